"""WorkloadRun: following a job on its thread, retrying a not-yet-ready job agent."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tests.app.fakes import FakeLauncher
from tui.workload_runs import WorkloadRun, WorkloadUpdate, fibonacci_spec, result_lines


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


def run_to_end(launcher: FakeLauncher) -> list[WorkloadUpdate]:
    updates: list[WorkloadUpdate] = []
    done = threading.Event()

    def deliver(update: WorkloadUpdate) -> None:
        updates.append(update)
        if update.finished:
            done.set()

    run = WorkloadRun(fibonacci_spec(10, 2), lambda: launcher, deliver).start()
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


def test_other_submit_errors_fail_at_once() -> None:
    launcher = FlakyAgentLauncher(1, "runtime_env: py_modules path does not exist")
    updates = run_to_end(launcher)
    assert updates[-1].status == "FAILED" and "py_modules" in updates[-1].message
    assert launcher.submitted == []


def test_result_lines_for_fibonacci_and_for_other_json() -> None:
    fib = ('noise\n{"size": 10, "count": 2, "pattern": "serial", "return_sequence": false, '
           '"local_s": 1.0, "remote_s": 4.0, "speedup": 0.25}\n')
    assert result_lines(fib)[-1] == "Speedup: 0.25x over 2 sequences (serial)"
    assert result_lines('{"stations": 120, "warmer": 70, "nested": {"x": 1}}\n') == (
        "stations: 120", "warmer: 70")
    assert result_lines("no json here\n") == ()
