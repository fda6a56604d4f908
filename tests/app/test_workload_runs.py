"""WorkloadRun: the app's launch followed on its thread (over a scripted job client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tests.app.fakes import FakeLauncher, make_app
from tests.app.test_keys import started, wait_for
from tui.app import RaytuiApp
from tui.launch import fibonacci, gsod
from tui.launch.background import WorkloadRun, WorkloadUpdate
from tui.launch.job_run import JobSpec
from tui.launch.jobs import JobState
from tui.screens.quit_running import QuitRunningScreen
from tui.screens.run_report import RunReportScreen

FIB_JOB = fibonacci.job(fibonacci.FibParams(size=10, count=2))


class FlakyAgentLauncher(FakeLauncher):
    """Refuses the first submissions the way a starting dashboard does."""

    def __init__(self, refusals: int, message: str) -> None:
        super().__init__()
        self.refusals = refusals
        self.message = message

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError(self.message)
        return super().submit(module, args, name)


class HeldLauncher(FakeLauncher):
    """A job that stays RUNNING until it is stopped; counts the stops."""

    def __init__(self) -> None:
        super().__init__()
        self.stops: list[str] = []

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        yield JobState(job_id, "RUNNING"), "working\n"
        while not self.stops:
            time.sleep(0.01)
            yield JobState(job_id, "RUNNING"), ""
        yield JobState(job_id, "STOPPED", "stopped by the user"), ""

    def stop(self, job_id: str) -> None:
        self.stops.append(job_id)


def collect(launcher: FakeLauncher, spec: JobSpec[Any] = FIB_JOB,
            ) -> tuple[WorkloadRun, list[WorkloadUpdate], threading.Event]:
    updates: list[WorkloadUpdate] = []
    done = threading.Event()

    def deliver(update: WorkloadUpdate) -> None:
        updates.append(update)
        if update.finished:
            done.set()

    return WorkloadRun(spec, lambda: launcher, deliver).start(), updates, done


def run_to_end(launcher: FakeLauncher) -> list[WorkloadUpdate]:
    run, updates, done = collect(launcher)
    assert done.wait(30)
    run.stop()
    return updates


def test_a_starting_job_agent_is_retried() -> None:
    launcher = FlakyAgentLauncher(1, "Request failed with status code 500: No available "
                                     "agent to submit job, please try again later..")
    updates = run_to_end(launcher)
    assert updates[-1].status == "SUCCEEDED"
    assert any("job agent" in u.message for u in updates)
    assert len(launcher.submitted) == 1
    assert updates[0].started and not any(u.started for u in updates[1:])


def test_other_submit_errors_fail_at_once() -> None:
    launcher = FlakyAgentLauncher(1, "runtime_env: py_modules path does not exist")
    updates = run_to_end(launcher)
    assert updates[-1].status == "FAILED" and "py_modules" in updates[-1].message
    assert launcher.submitted == []


def test_the_result_is_the_descriptors_summary() -> None:
    updates = run_to_end(FakeLauncher())
    assert updates[-1].result[-1] == "Speedup: 2.00x over 2 sequences (parallel)"
    assert "".join(u.output for u in updates).startswith("starting\n")


def test_gsod_results_are_its_scalar_fields() -> None:
    launcher = FakeLauncher(steps=[("SUCCEEDED", '{"stations_in_common": 120, "years": '
                                                 '[1980, 2020], "load_s": 1.5}\n')])
    run, updates, done = collect(launcher, gsod.job(gsod.GsodParams((1980, 2020), 0.02, 100, 0)))
    assert done.wait(30)
    assert updates[-1].result == ("stations_in_common: 120", "load_s: 1.5")


def test_stop_job_stops_it_once_and_follows_to_stopped() -> None:
    launcher = HeldLauncher()
    run, updates, done = collect(launcher)
    while not run.job_id:
        time.sleep(0.01)
    run.stop_job()
    run.stop_job()
    assert done.wait(30)
    run.stop()  # the app exiting afterwards does not ask again
    assert launcher.stops == ["raysubmit_1"]
    assert updates[-1].status == "STOPPED"


def test_leave_running_never_stops_the_job() -> None:
    launcher = HeldLauncher()
    run, updates, _ = collect(launcher)
    while not run.job_id:
        time.sleep(0.01)
    run.leave_running()
    run.stop()  # the app exits
    assert not run.running
    assert launcher.stops == []


def test_the_app_exiting_without_an_answer_stops_the_job() -> None:
    launcher = HeldLauncher()
    run, _, _ = collect(launcher)
    while not run.job_id:
        time.sleep(0.01)
    run.stop()
    assert launcher.stops == ["raysubmit_1"]
    assert not run.running


async def test_g_and_its_form_launch_the_watchable_gsod_scale() -> None:
    from textual.widgets import Input

    from workloads.gsod import WATCHABLE_SCALE

    launcher = FakeLauncher()
    app = make_app(launcher=launcher)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: launcher.submitted)
        module, args = launcher.submitted[0]
        assert module == "workloads.gsod"
        assert args[args.index("--scale") + 1] == f"{WATCHABLE_SCALE:g}"
        await wait_for(pilot, lambda: app.workload is not None and not app.workload.running)
        await wait_for(pilot, lambda: isinstance(app.screen, RunReportScreen))
        await pilot.press("escape")  # the run's story opens when it ends: close it first
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert app.screen.query_one("#scale", Input).value == f"{WATCHABLE_SCALE:g}"


def test_a_dashboard_that_hangs_on_stop_does_not_hold_up_the_exit() -> None:
    class Hanging(HeldLauncher):
        def stop(self, job_id: str) -> None:
            super().stop(job_id)
            time.sleep(30)  # Ray's HTTP call, with nothing answering

    launcher = Hanging()
    run, _, _ = collect(launcher)
    while not run.job_id:
        time.sleep(0.01)
    start = time.monotonic()
    run.stop(timeout=0.5)
    assert time.monotonic() - start < 2
    assert launcher.stops == ["raysubmit_1"]


# --- q while the launched workload runs: stop it, leave it running, or stay ---------


@dataclass
class Answered:
    app: RaytuiApp
    launcher: HeldLauncher
    quit_code: int | None  # the app's return code right after the answer (None: still on)
    stops_before_exit: list[str]
    still_asking: bool


async def answer_the_quit_question(*keys: str) -> Answered:
    """Launch with f, wait for the job, press q, check the question, then press `keys`."""
    launcher = HeldLauncher()
    app = make_app(launcher=launcher)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.workload is not None and app.workload.job_id)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitRunningScreen))
        question = str(app.screen.query_one("#quit-running").render())
        assert "Fibonacci size=100000 count=16 parallel (job raysubmit_1)" in question
        assert app.return_code is None  # asked, not quit
        await pilot.press(*keys)
        await pilot.pause(0.1)
        answered = Answered(app, launcher, app.return_code, list(launcher.stops),
                            isinstance(app.screen, QuitRunningScreen))
        assert app.workload is not None
        if answered.quit_code is None:
            assert app.workload.running, "cancel keeps following the job"
    return answered


async def test_q_asks_and_stop_stops_the_job_then_quits() -> None:
    answered = await answer_the_quit_question("s")
    assert answered.quit_code == 0
    assert answered.stops_before_exit == ["raysubmit_1"]
    assert answered.launcher.stops == ["raysubmit_1"]  # once, though the exit stops what runs


async def test_q_leave_running_quits_and_the_job_runs_on() -> None:
    answered = await answer_the_quit_question("l")
    assert answered.quit_code == 0
    assert answered.launcher.stops == []
    assert answered.app.workload is not None and not answered.app.workload.running


async def test_q_cancel_keeps_the_app_and_the_job() -> None:
    # a second q does not stack a second question; esc answers the one there is
    answered = await answer_the_quit_question("q", "escape")
    assert answered.quit_code is None and not answered.still_asking
    assert answered.stops_before_exit == []
