"""Pilot tests of the monitor's keys over a fake source (deterministic, no Ray)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Log, OptionList, Static, TabbedContent

from tests.app.fakes import (
    FakeLauncher,
    FakeSource,
    make_app,
    make_snapshot,
    screen_text,
    with_cpu,
)
from tui.app import PANES, RaytuiApp
from tui.core.lessons import STEPS, Lessons
from tui.core.model import WorkerKey
from tui.panels.keyed_table import KeyedTable
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.lessons import LessonsScreen
from tui.screens.workload_form import WorkloadForm

HEAD = make_snapshot().workers[0].node_id


def key(pid: int) -> str:
    return f"{HEAD}:{pid}"


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object],
                   timeout_s: float = 15.0) -> None:
    """Poll a condition; generous because the poller is a real thread on a busy machine."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never became true")


async def started(pilot: Pilot[int]) -> RaytuiApp:
    app = pilot.app
    assert isinstance(app, RaytuiApp)
    await wait_for(pilot, lambda: app.snapshots_applied >= 1)
    await pilot.pause()
    return app


def workers_table(app: RaytuiApp) -> KeyedTable:
    return app.query_one("#workers-table", KeyedTable)


def row_keys(table: KeyedTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


def cell_text(table: KeyedTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def test_first_snapshot_shows_busiest_worker_first() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        table = workers_table(app)
        assert row_keys(table) == [key(1001), key(1004), key(999), key(1002), key(1003)]
        assert "fibonacci_distributed" in cell_text(table, key(1001), "doing")
        assert cell_text(table, key(1002), "doing") == "idle"
        assert "connected" in str(app.query_one("#header", Static).render())


async def test_refresh_is_a_keyed_diff_and_cursor_follows_its_row() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        table = workers_table(app)
        table.move_cursor(row=table.get_row_index(key(1002)))
        source.push(with_cpu(make_snapshot(), 1002, 250.0))  # now the busiest
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        assert row_keys(table)[0] == key(1002)
        assert table.selected_key == key(1002)
        assert "250%" in cell_text(table, key(1002), "cpu")
        assert table.row_count == 5


async def test_pause_freezes_the_view_but_keeps_collecting() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("p")
        assert "PAUSED" in str(app.query_one("#header", Static).render())
        source.push(with_cpu(make_snapshot(), 1003, 77.0))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_received >= 2)
        await pilot.pause()
        table = workers_table(app)
        assert "77%" not in cell_text(table, key(1003), "cpu")
        assert app.history.worker_cpu(WorkerKey(HEAD, 1003))[-1] == 77.0  # collected all the same
        await pilot.press("p")
        assert "77%" in cell_text(table, key(1003), "cpu")
        assert "PAUSED" not in str(app.query_one("#header", Static).render())


async def test_sort_cycles_and_keeps_the_cursor_on_its_row() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        table = workers_table(app)
        table.move_cursor(row=table.get_row_index(key(1002)))
        await pilot.press("s")  # rss
        assert row_keys(table) == [key(1004), key(1003), key(1002), key(1001), key(999)]
        assert table.selected_key == key(1002)
        await pilot.press("s")  # pid
        assert row_keys(table) == [key(999), key(1001), key(1002), key(1003), key(1004)]
        assert table.selected_key == key(1002)
        assert "sort: pid" in str(app.query_one("#workers-caption", Static).render())


async def test_filter_narrows_rows_and_escape_clears() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"idle")
        await pilot.press("enter")
        table = workers_table(app)
        assert sorted(row_keys(table)) == [key(1002), key(1003)]
        assert app.focused is table
        await pilot.press("escape")
        assert table.row_count == 5
        assert app.filter_text == ""


async def test_flags_highlight_their_subjects_and_clear_when_gone() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        table = workers_table(app)
        flagged = table.get_cell(key(1001), "pid")
        assert flagged.plain.strip().startswith("!")
        assert "yellow" in str(flagged.spans[0].style)
        assert not cell_text(table, key(1002), "pid").strip().startswith("!")
        source.push(make_snapshot(flags=()))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        assert cell_text(table, key(1001), "pid").strip() == "1001"


async def test_tab_moves_between_panels() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        await started(pilot)
        tabs = pilot.app.query_one("#tabs", TabbedContent)
        seen = []
        for _ in range(len(PANES)):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(tabs.active)
        assert seen[:4] == ["tasks", "actors", "flags", "workload"]
        assert seen == [p.id for p in PANES[1:]] + ["workers"]  # every tab, then around


async def test_enter_on_a_flag_explains_it() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        app.query_one("#tabs", TabbedContent).active = "flags"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        body = screen_text(app, "#detail-body")
        assert "ray.get() inside the loop" in body
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_enter_on_a_worker_shows_its_details() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        body = screen_text(app, "#detail-body")
        assert "1001" in body and "fibonacci_distributed" in body and "flag uneven" in body


async def test_help_lists_every_key() -> None:
    async with make_app().run_test(size=(100, 40)) as pilot:
        app = await started(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        for description in ("Help", "Quit", "Pause", "Sort", "Filter", "Interval +",
                            "Interval -", "Fibonacci", "GSOD", "Next panel", "Details"):
            assert description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_plus_and_minus_change_the_poll_interval() -> None:
    async with make_app(interval_s=1.0).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("plus")
        assert app.interval_s == 2.0 and app.poller.interval_s == 2.0
        await pilot.press("minus", "minus")
        assert app.interval_s == 0.5
        assert "every 0.5s" in str(app.query_one("#header", Static).render())


async def test_f_launches_fibonacci_and_shows_its_timings() -> None:
    launcher = FakeLauncher()
    async with make_app(launcher=launcher).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.workload is not None and not app.workload.running)
        await pilot.pause(0.1)
        module, args = launcher.submitted[0]
        assert module == "workloads.fibonacci"
        assert args[args.index("--count") + 1] == "16"  # eight per logical CPU
        status = str(app.query_one("#workload-status", Static).render())
        assert "SUCCEEDED" in status
        result = str(app.query_one("#workload-result", Static).render())
        assert "Speedup: 2.00x" in result
        assert "starting" in "\n".join(app.query_one("#workload-output", Log).lines)


async def test_g_launches_gsod_and_a_failed_job_shows_why() -> None:
    launcher = FakeLauncher(steps=[
        ("RUNNING", ""),
        ("FAILED", "Traceback (most recent call last):\n"
                   "ModuleNotFoundError: No module named 'workloads.gsod'\n")])
    async with make_app(launcher=launcher).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: app.workload is not None and not app.workload.running)
        await pilot.pause(0.1)
        assert launcher.submitted[0][0] == "workloads.gsod"
        status = str(app.query_one("#workload-status", Static).render())
        assert "FAILED" in status and "No module named 'workloads.gsod'" in status
        assert app.is_running


async def test_a_launcher_that_raises_does_not_take_the_app_down() -> None:
    def broken() -> FakeLauncher:
        raise ConnectionError("dashboard refused the connection")

    app = make_app()
    app._make_launcher = broken  # the factory is what reaches the cluster
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.workload is not None and not app.workload.running)
        await pilot.pause(0.1)
        status = str(app.query_one("#workload-status", Static).render())
        assert "FAILED" in status and "dashboard refused" in status
        assert app.is_running


async def test_q_quits_with_code_0_and_stops_polling() -> None:
    source = FakeSource([make_snapshot()])
    app = make_app(source, interval_s=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.poller.alive
    assert source.closed
    polls = source.polls
    time.sleep(0.2)  # the interval is 0.05 s: a live poller would have polled again
    assert source.polls == polls


async def test_actions_are_in_the_command_palette() -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Fibonacci", "GSOD", "Pause", "Sort", "Filter", "Help"} <= titles


async def test_modal_open_skips_rendering_and_redraws_on_close() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("question_mark")
        source.push(replace(with_cpu(make_snapshot(), 1003, 66.0)))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_received >= 2)
        assert app.snapshots_applied == 1
        await pilot.press("escape")
        await pilot.pause()
        assert "66%" in cell_text(workers_table(app), key(1003), "cpu")


async def test_hidden_tabs_are_drawn_when_shown_and_keep_a_paused_view() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("p")
        source.push(replace(make_snapshot(), actors=make_snapshot().actors[:1]))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_received >= 2)
        app.query_one("#tabs", TabbedContent).active = "actors"
        await pilot.pause()
        actors = app.query_one("#actors-table", KeyedTable)
        assert actors.row_count == 2  # the frozen view, not the newest poll
        await pilot.press("p")
        await pilot.pause()
        assert row_keys(actors) == ["actor-1"]


async def test_shift_f_opens_a_form_that_validates_and_launches() -> None:
    launcher = FakeLauncher()
    async with make_app(launcher=launcher).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, WorkloadForm)
        size = app.screen.query_one("#size", Input)
        size.value = "-5"
        await pilot.press("enter")
        await pilot.pause()
        assert "size must be at least 0" in str(app.screen.query_one("#form-error").render())
        size.value = "2000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: launcher.submitted)
        module, args = launcher.submitted[0]
        assert module == "workloads.fibonacci"
        assert args[:4] == ("--size", "2000", "--count", "16")


async def test_shift_g_form_escape_launches_nothing() -> None:
    launcher = FakeLauncher()
    async with make_app(launcher=launcher).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, WorkloadForm)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WorkloadForm) and launcher.submitted == []


async def test_busy_counts_workers_running_a_task_or_burning_cpu() -> None:
    source = FakeSource([make_snapshot()])
    async with make_app(source).run_test(size=(100, 30)) as pilot:
        app = await started(pilot)
        caption = app.query_one("#workers-caption", Static)
        assert "5 workers, 2 busy" in str(caption.render())
        # the state API has not reported 1002's task yet, but its CPU says it works
        source.push(with_cpu(make_snapshot(), 1002, 80.0))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        assert "5 workers, 3 busy" in str(caption.render())


@pytest.mark.parametrize(("step_id", "expected"), [
    ("serial", ("--pattern", "serial", "--count", "36", "--no-local")),
    # 40 tasks a CPU: the fake cluster's 2 CPUs
    ("oversubscribe", ("--count", "80", "--no-local")),
    ("io", ("--size", "30000", "--return-sequence")),
])
async def test_a_lesson_step_opens_the_form_filled_with_its_run(
        tmp_path: Path, step_id: str, expected: tuple[str, ...]) -> None:
    launcher = FakeLauncher()
    async with make_app(launcher=launcher).run_test(size=(100, 34)) as pilot:
        app = await started(pilot)
        app.lessons = Lessons(tmp_path / "lessons.json")
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonsScreen))
        steps = app.screen.query_one(OptionList)
        await pilot.press(*["j"] * [s.id for s in STEPS].index(step_id))
        assert STEPS[steps.highlighted or 0].id == step_id
        step = STEPS[steps.highlighted or 0]
        assert step.command(2) in str(app.screen.query_one("#lesson-text", Static).render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkloadForm))
        await pilot.press("enter")  # launch as filled in
        await wait_for(pilot, lambda: launcher.submitted)
        module, args = launcher.submitted[0]
        assert module == "workloads.fibonacci"
        for flag in expected:
            assert flag in args, (flag, args)
        pairs = dict(zip(args, args[1:], strict=False))
        for name, value in zip(expected, expected[1:], strict=False):
            if name.startswith("--") and not value.startswith("--"):
                assert pairs[name] == value, (name, args)
        # the headless command launches the same run
        assert step.command(2) == " ".join(["raytui", "run", "fib", *step.fib.args(2), "--observe"])  # type: ignore[union-attr]
