"""Pilot tests of the parity keys in the real app over a fake source (no Ray):
e / J jump to the Errors and Jobs tabs, l opens a log view, t a stack, k and K confirm
(or refuse under read-only) before anything is stopped. Every key is also in help."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static, TabbedContent

from tests.app.fakes import FakeSource, make_snapshot, screen_text
from tests.app.parity_fakes import FakeFeed, error_report, jobs
from tests.app.test_keys import started, wait_for
from tui.app import RaytuiApp
from tui.core.control import ClusterLink, Control, Target
from tui.core.sources.stacks import StackResult
from tui.screens.confirm import ConfirmScreen
from tui.screens.error_text import ErrorTextScreen
from tui.screens.help import HelpScreen
from tui.screens.log_view import LogViewScreen
from tui.screens.stack import StackScreen

HEAD = make_snapshot().workers[0].node_id


class RecordingControl(Control):
    def __init__(self, read_only: bool) -> None:
        super().__init__("http://fake", read_only=read_only, gcs_address="127.0.0.1:6379")
        self.calls: list[tuple[Any, ...]] = []

    def stop_job(self, job_id: str) -> str:
        self.check_allowed(job_id)
        self.calls.append(("stop_job", job_id))
        return f"asked Ray to stop job {job_id}"

    def kill_actor(self, target: Target, no_restart: bool = True) -> str:
        self.check_allowed(target.describe())
        self.calls.append(("kill_actor", target.actor_id, no_restart))
        return f"killed {target.describe()}"

    def signal_worker(self, target: Target, force: bool) -> str:
        self.check_allowed(target.describe())
        self.calls.append(("signal_worker", target.pid, force))
        return "sent"


class ParityApp(RaytuiApp):
    """The app with its cluster-facing factories replaced by recorders."""

    def __init__(self, read_only: bool = False) -> None:
        fake = FakeSource([make_snapshot()])
        super().__init__(open_source=lambda stop: fake, address_label="fake", interval_s=3600,
                         cluster_cpus=lambda: 2, read_only=read_only,
                         cluster_link=lambda: ClusterLink("http://fake", "127.0.0.1:6379"))
        self.control = RecordingControl(read_only)
        self.feeds: list[tuple[Target, FakeFeed]] = []
        self.stacks: list[Target] = []

    def fetch_errors(self) -> Any:
        return error_report()

    def fetch_jobs(self) -> Any:
        return jobs()

    def make_control(self, link: ClusterLink) -> Control:
        return self.control

    def log_feed(self, target: Target, link: ClusterLink) -> Any:
        feed = FakeFeed({"out": f"log of {target.describe()}\n"})
        self.feeds.append((target, feed))
        return feed

    def stack_fetch(self, target: Target, link: ClusterLink) -> Any:
        self.stacks.append(target)
        return lambda: StackResult(target.pid or 0, "Thread 1 (active)\n    fibonacci_distributed "
                                   "(fib.py:3)\n", "py-spy")


def active(app: RaytuiApp) -> str:
    return str(app.query_one("#tabs", TabbedContent).active)


async def test_e_and_J_jump_to_the_errors_and_jobs_tabs_which_fill_in() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert active(app) == "errors"
        panel = app.query_one("#errors-panel")
        await wait_for(pilot, lambda: panel.fetches >= 1)  # type: ignore[attr-defined]
        await pilot.pause()
        assert "3 failed tasks in 2 groups" in str(
            app.query_one("#errors-caption", Static).render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorTextScreen))
        await pilot.press("escape")
        await pilot.press("J")
        await pilot.pause()
        assert active(app) == "jobs"
        jobs_panel = app.query_one("#jobs-panel")
        await wait_for(pilot, lambda: jobs_panel.fetches >= 1)  # type: ignore[attr-defined]


async def test_l_opens_the_log_of_the_selected_worker_and_t_its_stack() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("l")  # the busiest worker is selected first
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen))
        target, feed = app.feeds[-1]
        assert (target.kind, target.pid, target.node_id) == ("worker", 1001, HEAD)
        screen = app.screen
        assert isinstance(screen, LogViewScreen)
        await wait_for(pilot, lambda: screen.received == 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LogViewScreen))
        assert feed.current.closed

        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, StackScreen))
        stack = app.screen
        assert isinstance(stack, StackScreen)
        await wait_for(pilot, lambda: stack.result is not None)
        assert app.stacks[-1].local and app.stacks[-1].function == "fibonacci_distributed"
        await pilot.press("escape")


async def test_k_on_an_actor_confirms_with_a_no_restart_choice_then_kills() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("tab", "tab")  # Actors
        await pilot.pause()
        assert active(app) == "actors"
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        title = screen_text(app, "#confirm-title")
        assert title.startswith("Kill actor GSODActor gsod-1980 (actor-1")
        await pilot.press("escape")  # cancelled: nothing killed
        await pilot.pause()
        assert app.control.calls == []
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: app.control.calls == [("kill_actor", "actor-1", False)])


async def test_k_on_a_job_confirms_then_stops_it() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("J")
        panel = app.query_one("#jobs-panel")
        await wait_for(pilot, lambda: panel.fetches >= 1)  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Stop job raysubmit_fib01?" in screen_text(app, "#confirm-title")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.control.calls == [("stop_job", "raysubmit_fib01")])
        await pilot.press("l")  # a job's log comes from the jobs API feed
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen))
        assert app.feeds[-1][0].kind == "job"


async def test_K_sends_sigterm_then_sigkill_on_a_second_confirmation() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Send SIGTERM to worker pid 1001" in screen_text(app, "#confirm-title")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.control.calls == [("signal_worker", 1001, False)])
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Send SIGKILL" in screen_text(app, "#confirm-title")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.control.calls[-1] == ("signal_worker", 1001, True))


async def test_read_only_refuses_k_and_K_with_one_line_and_no_confirmation() -> None:
    app = ParityApp(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("K")
        await pilot.pause()
        await pilot.press("tab", "tab", "k")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        messages = [n.message for n in app._notifications]
        assert len(messages) == 2 and all(m.startswith("read-only mode: not stopping")
                                          for m in messages)
        assert app.control.calls == []


async def test_help_lists_every_parity_key() -> None:
    app = ParityApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = screen_text(app, "#help-keys")
        for key, words in (("e", "Errors"), ("J", "Jobs"), ("l", "Log of the row"),
                           ("t", "Stack of the row"), ("k", "Kill actor / stop job"),
                           ("K", "SIGTERM, then SIGKILL")):
            assert any(line.startswith(key + " ") and words in line
                       for line in keys.splitlines()), (key, keys)
