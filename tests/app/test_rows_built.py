"""At 1,000 node rows, a poll builds the rows the view will show and no more: when the
sort moves the selected row off screen, the view follows it to an edge, and the rows
built are that screen's (not two screens, not a redraw after the scroll)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tests.app.fakes import FakeSource, cluster_snapshot, make_app
from tests.app.test_keys import started, wait_for
from tui.app import RaytuiApp
from tui.core.model import Snapshot
from tui.panels.grouping import BUILD_MARGIN, GroupedTable, group_of_key
from tui.panels.view import ViewState
from tui.panels.workers import WorkersPanel

BIG = cluster_snapshot(1000, 16)


def with_node_cpu(snapshot: Snapshot, node_id: str, cpu: float) -> Snapshot:
    return replace(snapshot, workers=tuple(
        replace(w, cpu_percent=cpu) if w.node_id == node_id else w
        for w in snapshot.workers))


def newer_than(app: RaytuiApp, applied: int) -> Callable[[], bool]:
    return lambda: app.snapshots_applied > applied


async def test_the_rows_built_are_those_of_the_screen_the_view_moves_to() -> None:
    source = FakeSource([BIG])
    async with make_app(source).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        panel = app.query_one("#workers-panel", WorkersPanel)
        table = app.query_one("#workers-table", GroupedTable)
        shows: list[int] = []
        real_show = panel.show

        def counted_show(snapshot: Snapshot, view: ViewState) -> None:
            shows.append(1)
            real_show(snapshot, view)

        panel.show = counted_show  # type: ignore[method-assign]
        selected = table.selected_key
        assert selected is not None and table.ordered_keys.index(selected) == 0
        node = group_of_key(selected)
        assert node is not None
        # the selected node goes idle (to the last row), then the busiest (to the first)
        for cpu, index in ((0.0, 999), (100.0, 0)):
            applied = app.snapshots_applied
            source.push(with_node_cpu(BIG, node, cpu))
            shows.clear()
            app.poller.wake()
            await wait_for(pilot, newer_than(app, applied))
            await pilot.pause()
            await pilot.pause()
            order = table.ordered_keys
            assert table.selected_key == selected and order.index(selected) == index
            in_view = [order[i] for i in table.rows_in_view(margin=0) if i < len(order)]
            assert selected in in_view
            assert set(in_view) <= table.fresh_keys  # every row on screen drawn as of now
            assert len(table.fresh_keys) <= table.size.height + 2 * BUILD_MARGIN
            assert len(shows) == 1  # the scroll found its rows built: no second draw
