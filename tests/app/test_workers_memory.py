"""Workers tab: each worker's USS beside its RSS ("-" where not reported), sortable, and
a node's row sums the USS its workers report (issue 11, memory)."""

from __future__ import annotations

from dataclasses import replace

from tests.app.fakes import FakeSource, cluster_snapshot, make_app, make_snapshot
from tests.app.test_keys import cell_text, row_keys, started
from tui.core.model import Snapshot
from tui.panels.grouping import group_key
from tui.panels.keyed_table import KeyedTable
from tui.panels.workers import WorkersPanel, worker_key

MiB = 1024**2


def with_uss(snapshot: Snapshot, uss_by_pid: dict[int, int | None]) -> Snapshot:
    return replace(snapshot, workers=tuple(
        replace(w, uss_bytes=uss_by_pid[w.pid]) if w.pid in uss_by_pid else w
        for w in snapshot.workers))


async def test_uss_shows_beside_rss_and_a_dash_where_unknown() -> None:
    snapshot = with_uss(make_snapshot(), {1001: 160 * MiB, 1002: None})
    async with make_app(FakeSource([snapshot])).run_test(size=(80, 24)) as pilot:
        app = await started(pilot)
        table = app.query_one("#workers-table", KeyedTable)
        assert table.column_keys[-2:] == ["rss", "uss"]
        worker = {w.pid: w for w in snapshot.workers}
        assert cell_text(table, worker_key(worker[1001]), "uss") == "160M"
        assert cell_text(table, worker_key(worker[1002]), "uss") == "-"
        assert cell_text(table, worker_key(worker[999]), "uss") == "-"  # the driver: none
        # at 80 columns the tutorial's function name shows whole (USS may start a scroll away)
        assert "fibonacci_distributed" in [cell_text(table, worker_key(w), "doing")
                                           for w in snapshot.workers]
        await pilot.press("enter")  # the details name it too
        await pilot.pause()
        assert "USS" in str(app.screen.query_one("#detail-body").render())


async def test_sorting_by_uss_puts_the_largest_first_and_unknown_last() -> None:
    snapshot = with_uss(make_snapshot(), {1001: 50 * MiB, 1002: 300 * MiB, 1003: None,
                                          1004: 120 * MiB})
    async with make_app(FakeSource([snapshot])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        panel = app.query_one("#workers-panel", WorkersPanel)
        for _ in range(6):  # s cycles through the sorts
            if panel.sort == "uss":
                break
            await pilot.press("s")
        await pilot.pause()
        assert panel.sort == "uss"
        pids = [int(key.rsplit(":", 1)[1]) for key in row_keys(
            app.query_one("#workers-table", KeyedTable))]
        assert pids[:3] == [1002, 1004, 1001]
        assert set(pids[3:]) == {999, 1003}  # not reported: after every known figure


async def test_a_node_row_sums_the_uss_its_workers_report() -> None:
    snapshot = cluster_snapshot(2, 3)
    first, second = snapshot.workers[0].node_id, snapshot.workers[3].node_id
    uss: dict[int, int | None] = {w.pid: 10 * MiB for w in snapshot.workers
                                  if w.node_id == first}
    uss[snapshot.workers[0].pid] = None  # one not reported: the sum is of the others
    snapshot = with_uss(snapshot, uss)
    async with make_app(FakeSource([snapshot])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        table = app.query_one("#workers-table", KeyedTable)
        assert cell_text(table, group_key(first), "uss") == "20.0M"
        assert cell_text(table, group_key(second), "uss") == "-"  # none reported
