"""Tasks tab: each function's progress as one bar, and its finishing rate over 10 s."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import TabbedContent

from tests.app.fakes import T0, FakeSource, make_app, make_snapshot
from tests.app.test_keys import started, wait_for
from tui.core.model import Snapshot
from tui.panels.keyed_table import KeyedTable
from tui.panels.tasks import finishing_rates, progress_bar


def with_finished(time: float, finished: int) -> Snapshot:
    snapshot = make_snapshot(time=time)
    groups = tuple(replace(g, by_state={**g.by_state, "FINISHED": finished})
                   if g.name == "fibonacci_distributed" else g
                   for g in snapshot.tasks.by_function)
    return replace(snapshot, tasks=replace(snapshot.tasks, by_function=groups))


def test_the_bar_is_in_proportion_and_shows_every_part() -> None:
    bar = progress_bar({"FINISHED": 14, "RUNNING": 1, "PENDING": 3, "FAILED": 0}, 16)
    assert len(bar.plain) == 16
    assert bar.plain.count("█") == 12 and bar.plain.count("▓") == 1
    assert bar.plain.count("░") == 3
    tiny = progress_bar({"FINISHED": 1000, "FAILED": 1}, 10)
    assert tiny.plain == "█" * 10 and any("red" in str(s.style) for s in tiny.spans)
    assert progress_bar({}, 8).plain == "·" * 8


def test_rates_come_from_the_counts_over_the_window() -> None:
    rates = finishing_rates([with_finished(T0, 10), with_finished(T0 + 5, 40)])
    assert rates["fibonacci_distributed"] == 6.0
    assert rates["GSODActor.compare"] == 0.0
    assert finishing_rates([with_finished(T0, 10)]) == {}


async def test_the_tasks_tab_shows_progress_and_rate() -> None:
    source = FakeSource([with_finished(T0, 10)])
    async with make_app(source).run_test(size=(160, 40)) as pilot:
        app = await started(pilot)
        app.query_one("#tabs", TabbedContent).active = "tasks"
        await pilot.pause()
        table = app.query_one("#tasks-by-function", KeyedTable)
        assert str(table.get_cell("fibonacci_distributed", "rate")) == "-"
        source.push(with_finished(T0 + 4, 30))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        assert str(table.get_cell("fibonacci_distributed", "rate")) == "5.0"
        assert len(str(table.get_cell("fibonacci_distributed", "progress"))) == 16
