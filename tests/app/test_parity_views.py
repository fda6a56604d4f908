"""Pilot tests of the parity panels and screens, mounted in a tiny host app (no Ray)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app.fakes import screen_text
from tests.app.parity_fakes import T0_MS, FakeFeed, Host, error_report, jobs
from tests.app.test_keys import wait_for
from tui.core.model import Snapshot, Status
from tui.core.sources.errors import ErrorReport
from tui.core.sources.stacks import StackResult
from tui.panels.errors import ErrorsPanel
from tui.panels.jobs import JobsPanel
from tui.panels.view import ViewState
from tui.screens.confirm import Choice, ConfirmScreen
from tui.screens.error_text import ErrorTextScreen
from tui.screens.log_view import LogViewScreen
from tui.screens.stack import StackScreen

EMPTY = Snapshot(time=T0_MS / 1000, status=Status(True))


async def test_errors_panel_groups_by_function_and_type_and_enter_opens_the_full_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fetch() -> ErrorReport:
        calls.append(1)
        return error_report()

    panel = ErrorsPanel(fetch, id="errors-panel")
    app = Host(panel)
    async with app.run_test(size=(100, 30)) as pilot:
        panel.show(EMPTY, ViewState())
        await wait_for(pilot, lambda: panel.fetches == 1)
        await pilot.pause()
        keys = [str(r.key.value) for r in panel.table.ordered_rows]
        assert keys[:2] == ["task:broken_task:ValueError", "task:GSODActor.compare:KeyError"]
        assert keys[2].startswith("actor:")
        assert str(panel.table.get_cell(keys[0], "count")) == "2"
        assert "got -3" in str(panel.table.get_cell(keys[0], "message"))
        assert "job's driver" in str(panel.table.get_cell(keys[2], "message"))
        panel.show(EMPTY, ViewState())  # within refresh_s: not asked again
        await pilot.pause()
        assert len(calls) == 1
        panel.show(EMPTY, ViewState("keyerror"))
        await pilot.pause()
        assert [str(r.key.value) for r in panel.table.ordered_rows] == [keys[1]]
        panel.show(EMPTY, ViewState())
        await pilot.pause()

        panel.table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorTextScreen))
        screen = app.screen
        assert isinstance(screen, ErrorTextScreen)
        assert 'File "/work/fib.py", line 12' in screen.text
        monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == screen.text
        assert screen.saved_to is not None and screen.saved_to.read_text() == screen.text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorTextScreen))


async def test_errors_panel_says_in_one_line_when_ray_cannot_be_asked() -> None:
    def fetch() -> ErrorReport:
        raise RuntimeError("/api/v0/tasks: HTTP 500\nmore")

    panel = ErrorsPanel(fetch)
    app = Host(panel)
    async with app.run_test(size=(100, 30)) as pilot:
        panel.show(EMPTY, ViewState())
        await wait_for(pilot, lambda: panel.fetches == 1)
        await pilot.pause()
        assert screen_text(app, "#errors-caption") == "cannot ask Ray: /api/v0/tasks: HTTP 500"


async def test_jobs_panel_lists_jobs_and_names_the_selected_one() -> None:
    panel = JobsPanel(jobs, now=lambda: T0_MS / 1000 + 75)
    app = Host(panel)
    async with app.run_test(size=(120, 30)) as pilot:
        panel.show(EMPTY, ViewState())
        await wait_for(pilot, lambda: panel.fetches == 1)
        await pilot.pause()
        table = panel.table
        assert [str(r.key.value) for r in table.ordered_rows] == ["raysubmit_fib01",
                                                                  "raysubmit_gsod1"]
        assert str(table.get_cell("raysubmit_fib01", "duration")) == "1m15s"
        assert str(table.get_cell("raysubmit_gsod1", "duration")) == "1m00s"
        target = panel.selected_target()
        assert target is not None and target.kind == "job" and target.job_id == "raysubmit_fib01"
        assert panel.tab_label(EMPTY) == "Jobs 1/2"


async def test_confirm_returns_the_choice_and_esc_cancels() -> None:
    app = Host()
    answers: list[str | None] = []
    async with app.run_test() as pilot:
        choices = (Choice("k", "kill, no restart", "no_restart"),
                   Choice("r", "kill, let Ray restart it", "restart"))
        app.push_screen(ConfirmScreen("Kill actor Holder?", "pid 12 on node a1b2", choices),
                        callback=answers.append)
        await pilot.pause()
        assert "Kill actor Holder?" in screen_text(app, "#confirm-title")
        await pilot.press("x")  # not a choice: nothing happens
        await pilot.pause()
        assert answers == []
        await pilot.press("r")
        await pilot.pause()
        app.push_screen(ConfirmScreen("Stop job?", "raysubmit_1"), callback=answers.append)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(ConfirmScreen("Stop job?", "raysubmit_1"), callback=answers.append)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert answers == ["restart", None, "yes"]


async def test_stack_modal_highlights_the_running_function() -> None:
    dump = ("Process 1001: ray::busy_loop\nThread 1001 (active): \"MainThread\"\n"
            "    busy_loop (/work/t.py:9)\n    execute_task (ray/_raylet.pyx:1)\n")
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = StackScreen("stack of pid 1001", lambda: StackResult(1001, dump, "py-spy"),
                             "busy_loop")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.result is not None)
        await pilot.pause()
        body = screen.query_one("#stack-body", Static).render()
        assert isinstance(body, Content)
        assert "busy_loop (/work/t.py:9)" in str(body)
        styled = [str(body)[s.start:s.end] for s in body.spans if "yellow" in str(s.style)]
        assert styled == ["    busy_loop (/work/t.py:9)"]
        assert "via py-spy" in screen_text(app, "#stack-title")
        await pilot.press("escape")
        await pilot.pause()
        failing = StackScreen("stack of pid 7", lambda: StackResult(7, error="py-spy cannot "
                                                                    "attach to pid 7: gone"))
        app.push_screen(failing)
        await wait_for(pilot, lambda: failing.result is not None)
        await pilot.pause()
        assert str(failing.query_one("#stack-body", Static).render()) == \
            "py-spy cannot attach to pid 7: gone"


async def open_log(pilot: Pilot[None], feed: FakeFeed, **kwargs: object) -> LogViewScreen:
    screen = LogViewScreen(feed, **kwargs)  # type: ignore[arg-type]
    pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: bool(feed.streams_opened) or bool(feed.fail))
    return screen


async def test_log_view_follows_searches_jumps_and_switches_streams() -> None:
    lines = "".join(f"line {i} {'needle' if i % 40 == 0 else ''}\n" for i in range(200))
    feed = FakeFeed({"out": lines, "err": "a warning on stderr\n"})
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot, feed)
        log = screen.log_widget
        await wait_for(pilot, lambda: log.line_count == 200)
        assert feed.opened == [("out", 1000)]
        await pilot.pause()
        assert log.is_vertical_scroll_end  # follow is on: the view is at the end
        feed.current.chunks.put("printed after the view opened\n")
        await wait_for(pilot, lambda: log.lines[-1] == "printed after the view opened")
        await pilot.pause()
        assert log.is_vertical_scroll_end
        assert "follow on" in screen_text(app, "#log-status")

        await pilot.press("f")
        assert not screen.follow and "follow off" in screen_text(app, "#log-status")
        feed.current.chunks.put("while not following\n")
        await wait_for(pilot, lambda: log.lines[-1] == "while not following")
        await pilot.press("g")
        await pilot.pause()
        assert log.scroll_y == 0
        await pilot.press("G")
        await pilot.pause()
        assert log.is_vertical_scroll_end

        await pilot.press("slash", *"needle", "enter")
        await pilot.pause()
        assert screen.match_line == 0 and "1 of 5" in screen_text(app, "#log-status")
        await pilot.press("n", "n")
        assert screen.match_line == 80
        await pilot.press("N")
        assert screen.match_line == 40
        await pilot.press("N", "N")
        assert screen.match_line == 160  # wraps around

        await pilot.press("o")
        await wait_for(pilot, lambda: log.lines == ["a warning on stderr"])
        assert feed.opened[-1] == ("err", 1000) and feed.streams_opened[0].closed
        assert "stderr" in screen_text(app, "#log-title")
        await pilot.press("escape")
        await pilot.pause()
        assert feed.current.closed and not isinstance(app.screen, LogViewScreen)


async def test_log_view_keeps_the_last_lines_and_says_how_many_were_dropped() -> None:
    feed = FakeFeed({"out": "".join(f"l{i}\n" for i in range(120))})
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot, feed, max_lines=100)
        await wait_for(pilot, lambda: screen.received == 120)
        await pilot.pause()
        assert screen.log_widget.line_count == 100 and screen.log_widget.lines[0] == "l20"
        assert "20 older lines dropped (keeps the last 100)" in screen_text(app, "#log-status")


async def test_a_log_that_does_not_exist_is_one_line_in_the_view() -> None:
    feed = FakeFeed(fail="no such log: Could not find a log file.")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot, feed)
        await wait_for(pilot, lambda: "no such log" in screen.state)
        await pilot.pause()
        assert screen_text(app, "#log-status").endswith("no such log: Could not find a log file.")
        assert screen.is_mounted  # the app keeps running



async def test_a_quiet_log_says_it_waits_for_its_first_line() -> None:
    feed = FakeFeed()
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot, feed)
        await wait_for(pilot, lambda: screen.state.startswith("no output yet"), 10)
        feed.current.chunks.put("at last\n")
        await wait_for(pilot, lambda: screen.log_widget.lines == ["at last"])
