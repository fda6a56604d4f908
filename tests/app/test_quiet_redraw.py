"""An idle cluster's polls change little: the view repaints only what changed, and
says when it shows an answer Ray gave a while ago."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Static, TabbedContent

from tests.app.fakes import FakeSource, make_app, make_snapshot, with_cpu
from tests.app.test_keys import started
from tui.core.model import Snapshot
from tui.panels.header import HeaderPanel
from tui.panels.keyed_table import KeyedTable, SyncCounts


@contextmanager
def repaints_of(widget: Widget, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """The refreshes that reach Textual for `widget` (regions; () is the whole widget)."""
    calls: list[tuple[Any, ...]] = []
    real = Widget.refresh

    def spy(self: Widget, *regions: Any, **kwargs: Any) -> Any:
        if self is widget:
            calls.append(regions)
        return real(self, *regions, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Widget, "refresh", spy)
        yield calls


async def apply_twice(second: Snapshot, monkeypatch: pytest.MonkeyPatch,
                      ) -> tuple[list[tuple[Any, ...]], SyncCounts, bool]:
    """Show make_snapshot(), then `second`: (table repaints, what the table's sync did,
    header re-set)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        app.apply_snapshot(make_snapshot())
        await pilot.pause()
        table = app.query_one("#workers-table", KeyedTable)
        header = app.query_one("#header", HeaderPanel)
        before, shown = replace(table.counts), header.content
        with repaints_of(table, monkeypatch) as repaints:
            app.apply_snapshot(second)
        after = table.counts
        done = SyncCounts(*(getattr(after, f.name) - getattr(before, f.name)
                            for f in fields(SyncCounts)))
        return repaints, done, header.content is not shown


async def test_an_unchanged_snapshot_repaints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    repaints, done, header_set = await apply_twice(make_snapshot(), monkeypatch)
    assert repaints == [] and done == SyncCounts() and not header_set


async def test_one_changed_worker_repaints_its_row_only(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = make_snapshot()
    busiest = max(snapshot.workers, key=lambda w: w.cpu_percent)  # stays first: no re-sort
    repaints, done, _ = await apply_twice(
        with_cpu(snapshot, busiest.pid, busiest.cpu_percent - 3), monkeypatch)
    assert done == SyncCounts(cell_updates=1, row_repaints=1)
    assert len(repaints) == 1 and repaints[0] and repaints[0][0].height == 1, repaints


async def test_old_task_counts_say_how_old_they_are() -> None:
    snapshot = make_snapshot()
    old = replace(snapshot, tasks=replace(snapshot.tasks, counts_age_s=12.4))
    app = make_app(FakeSource([old]))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        app.query_one("#tabs", TabbedContent).active = "tasks"
        await pilot.pause()
        caption = str(app.query_one("#tasks-caption", Static).content)
        assert caption.startswith("tasks: ") and caption.endswith("(counted 12 s ago)")
        app.apply_snapshot(snapshot)  # fresh counts: no note
        await pilot.pause()
        assert "counted" not in str(app.query_one("#tasks-caption", Static).content)
