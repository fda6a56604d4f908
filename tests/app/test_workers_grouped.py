"""The Workers tab at 16,000 workers (1,000 nodes x 16): grouped by node, only open
nodes' rows built; open, close, sort and filter stay correct over every worker."""

from __future__ import annotations

import time
from dataclasses import replace

from textual.widgets import Input, Static, TabbedContent

from tests.app.fakes import FakeSource, cluster_snapshot, make_app, node_id_of
from tests.app.test_keys import row_keys, started, wait_for
from tui.app import RaytuiApp
from tui.core.model import Snapshot, Worker
from tui.panels.grouping import FILTER_OPENS_AT_MOST, group_key
from tui.panels.keyed_table import KeyedTable
from tui.panels.workers import worker_key

BIG = cluster_snapshot(1000, 16)


def table(app: RaytuiApp) -> KeyedTable:
    return app.query_one("#workers-table", KeyedTable)


def caption(app: RaytuiApp) -> str:
    return str(app.query_one("#workers-caption", Static).render())


def cpu_sum(snapshot: Snapshot, node_id: str) -> float:
    return sum(w.cpu_percent for w in snapshot.workers if w.node_id == node_id)


class WantingSource(FakeSource):
    """A fake that, like the collector, takes the nodes on screen."""

    def __init__(self, snapshots: list[Snapshot]) -> None:
        super().__init__(snapshots)
        self.wanted: list[list[str]] = []

    def want_nodes(self, node_ids: list[str]) -> None:
        self.wanted.append(list(node_ids))


async def test_a_big_cluster_shows_one_row_per_node_and_opens_on_enter() -> None:
    source = WantingSource([BIG])
    app = make_app(source)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot)
        rows = row_keys(table(app))
        assert len(rows) == 1000 and all(r.startswith("group:") for r in rows)
        # busiest node first (the sum of its workers' CPU), as workers are sorted by CPU
        sums = [cpu_sum(BIG, r.removeprefix("group:")) for r in rows]
        assert sums == sorted(sums, reverse=True)
        assert "16000 workers" in caption(app) and "on 1000 nodes (0 open" in caption(app)
        first = rows[0].removeprefix("group:")
        summary = str(table(app).get_cell(rows[0], "doing"))
        assert summary.startswith("16 workers, ") and "busy" in summary
        await pilot.press("enter")
        await pilot.pause()
        rows = row_keys(table(app))
        members = [w for w in BIG.workers if w.node_id == first]
        assert len(rows) == 1016
        assert rows[1:17] == [worker_key(w) for w in sorted(
            members, key=lambda w: (-round(w.cpu_percent), w.pid))]
        assert table(app).selected_key == group_key(first)  # the cursor stays
        await pilot.press("down", "down")  # onto a worker of the open node
        await pilot.press("left")  # closes its node, the cursor goes to the node's row
        await pilot.pause()
        assert len(row_keys(table(app))) == 1000
        assert table(app).selected_key == group_key(first)
        await pilot.press("down", "right")  # opens the second node
        await pilot.pause()
        second = row_keys(table(app))[1].removeprefix("group:")
        assert len(row_keys(table(app))) == 1016
        assert "1 open" in caption(app)
        app.poller.wake()  # the next poll tells the source which node is on screen
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        assert source.wanted and source.wanted[-1][0] == second


async def test_enter_on_a_worker_row_still_shows_its_details() -> None:
    async with make_app(FakeSource([BIG])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        await pilot.press("enter", "down")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "DetailScreen"


async def test_sort_orders_nodes_and_the_workers_of_open_nodes() -> None:
    async with make_app(FakeSource([BIG])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        await pilot.press("s")  # rss
        await pilot.pause()
        rows = row_keys(table(app))
        rss = [sum(w.rss_bytes for w in BIG.workers if w.node_id == r.removeprefix("group:"))
               for r in rows]
        assert rss == sorted(rss, reverse=True)
        table(app).move_cursor(row=0)  # the cursor followed its node: go to the top
        await pilot.press("enter")
        await pilot.pause()
        node = rows[0].removeprefix("group:")
        members = sorted((w for w in BIG.workers if w.node_id == node),
                         key=lambda w: (-w.rss_bytes, w.pid))
        assert row_keys(table(app))[1:17] == [worker_key(w) for w in members]
        await pilot.press("s", "s")  # pid, then node: nodes by id
        await pilot.pause()
        groups = [r for r in row_keys(table(app)) if r.startswith("group:")]
        assert groups == [group_key(node_id_of(n)) for n in range(1000)]


async def test_a_filter_finds_a_worker_of_a_closed_node() -> None:
    target = BIG.workers[777 * 16 + 5]  # on node 777, closed
    async with make_app(FakeSource([BIG])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*str(target.pid))
        await pilot.press("enter")
        await pilot.pause()
        assert row_keys(table(app)) == [group_key(target.node_id), worker_key(target)]
        assert "1 of 16000 workers" in caption(app)
        assert "1 of 16 workers match" in str(table(app).get_cell(
            group_key(target.node_id), "doing"))
        await pilot.press("escape")
        await pilot.pause()
        assert len(row_keys(table(app))) == 1000  # closed again


async def test_a_broad_filter_opens_nodes_up_to_a_budget() -> None:
    async with make_app(FakeSource([BIG])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        started_at = time.perf_counter()
        app.filter_text = "crunch"  # two thirds of the workers: ~10,700, ~11 a node
        app.redraw()
        elapsed = time.perf_counter() - started_at
        rows = row_keys(table(app))
        groups = [r for r in rows if r.startswith("group:")]
        assert len(groups) == 1000
        workers = len(rows) - len(groups)
        # FILTER_OPENS_AT_MOST rows (whole nodes of 16 matching), not 10,700
        assert FILTER_OPENS_AT_MOST - 16 < workers <= FILTER_OPENS_AT_MOST, workers
        print(f"filter over 16,000 workers drew in {elapsed * 1000:.0f} ms")


async def test_a_small_two_node_cluster_opens_every_node() -> None:
    small = cluster_snapshot(2, 4)
    async with make_app(FakeSource([small])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        rows = row_keys(table(app))
        assert len(rows) == 2 + 8 and "(2 open" in caption(app)


async def test_a_single_node_has_no_node_row() -> None:
    one = cluster_snapshot(1, 8)
    async with make_app(FakeSource([one])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        assert not any(r.startswith("group:") for r in row_keys(table(app)))
        assert len(row_keys(table(app))) == 8 and "nodes" not in caption(app)


async def test_unknown_figures_show_a_question_mark_and_old_ones_their_age() -> None:
    snapshot = cluster_snapshot(2, 3)
    unknown = replace(snapshot.workers[4], cpu_source="none", cpu_percent=0.0, rss_bytes=0)
    workers = list(snapshot.workers)
    workers[4] = unknown
    snapshot = replace(snapshot, workers=tuple(workers))
    async with make_app(FakeSource([snapshot]), interval_s=1.0).run_test(
            size=(160, 48)) as pilot:
        app = await started(pilot)
        t = table(app)
        assert str(t.get_cell(worker_key(unknown), "cpu")).strip() == "?"
        assert str(t.get_cell(worker_key(unknown), "rss")) == "?"
        remote = snapshot.workers[3]  # node 1: figures 3 s old, the interval is 1 s
        assert str(t.get_cell(worker_key(remote), "cpu")).endswith(" 3s old")
        local = snapshot.workers[0]
        assert "old" not in str(t.get_cell(worker_key(local), "cpu"))
        assert "1 not reported yet" in str(t.get_cell(group_key(unknown.node_id), "doing"))


async def test_the_gpu_column_appears_only_when_a_node_has_gpus() -> None:
    source = FakeSource([cluster_snapshot(2, 3)])
    async with make_app(source).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        assert "gpu" not in table(app).column_keys
        source.push(cluster_snapshot(2, 3, tick=1, gpus_per_node=2))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        t = table(app)
        assert "gpu" in t.column_keys
        gpu_worker = cluster_snapshot(2, 3, gpus_per_node=2).workers[1]
        assert str(t.get_cell(worker_key(gpu_worker), "gpu")) == "x1"
        assert str(t.get_cell(group_key(gpu_worker.node_id), "gpu")) == "0/2 GPUs"
        assert len(row_keys(t)) == 2 + 6


async def test_open_nodes_stay_open_across_polls_and_tabs() -> None:
    source = FakeSource([BIG])
    async with make_app(source).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        await pilot.press("enter")
        await pilot.pause()
        source.push(cluster_snapshot(1000, 16, tick=1))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        app.query_one("#tabs", TabbedContent).active = "tasks"
        await pilot.pause()
        app.query_one("#tabs", TabbedContent).active = "workers"
        await pilot.pause()
        assert len(row_keys(table(app))) == 1016


def many_actors(count: int, classes: int) -> Snapshot:
    from tui.core.model import Actor, ListInfo

    actors = tuple(Actor(f"actor-{i:05d}", f"Class{i % classes:02d}",
                         "ALIVE" if i % 10 else "DEAD", f"a{i}", 20_000 + i,
                         node_id_of(i % 8), i % 3, None, float(i % 100), (50 + i % 30) << 20)
                   for i in range(count))
    return replace(cluster_snapshot(8, 4), actors=actors,
                   actors_list=ListInfo(count, count))


async def test_ten_thousand_actors_are_grouped_by_class() -> None:
    snapshot = many_actors(10_000, 20)
    async with make_app(FakeSource([snapshot])).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        app.query_one("#tabs", TabbedContent).active = "actors"
        await pilot.pause()
        actors = app.query_one("#actors-table", KeyedTable)
        rows = row_keys(actors)
        assert len(rows) == 20 and all(r.startswith("group:Class") for r in rows)
        assert "10000 actors, 9000 alive in 20 classes (0 open" in str(
            app.query_one("#actors-caption", Static).render())
        actors.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        first = rows[0].removeprefix("group:")
        members = [a for a in snapshot.actors if a.class_name == first]
        shown = row_keys(actors)[1:1 + len(members)]
        assert shown == [a.actor_id for a in sorted(
            members, key=lambda a: (a.state != "ALIVE", -round(a.cpu_percent or 0),
                                    a.actor_id))]
        await pilot.press("down", "enter")  # an actor row: its details
        await pilot.pause()
        assert type(app.screen).__name__ == "DetailScreen"
        await pilot.press("escape")
        app.filter_text = "actor-09999"
        app.redraw()
        await pilot.pause()
        assert row_keys(actors) == ["group:Class19", "actor-09999"]


async def test_a_scroll_draws_rows_that_were_off_screen_as_of_now() -> None:
    source = FakeSource([BIG])
    async with make_app(source).run_test(size=(160, 48)) as pilot:
        app = await started(pilot)
        source.push(cluster_snapshot(1000, 16, tick=1))
        app.poller.wake()
        await wait_for(pilot, lambda: app.snapshots_applied >= 2)
        t = table(app)
        last = row_keys(t)[-1]  # far off screen: its cells were kept, not rebuilt
        newest = cluster_snapshot(1000, 16, tick=1)
        node = last.removeprefix("group:")
        expected = f"{round(cpu_sum(newest, node)):3.0f}%"
        t.move_cursor(row=len(row_keys(t)) - 1)  # scrolls to the end
        await pilot.pause()
        await pilot.pause()
        assert str(t.get_cell(last, "cpu")).endswith(expected)


def test_a_groups_oldest_figures_are_those_asked_first_or_the_oldest_given() -> None:
    from tui.panels.workers import NodeGroup

    now = time.time()
    timed = [Worker(pid, "n1", cpu_percent=10.0, cpu_source="dashboard",
                    figures_at=now - ago) for pid, ago in ((1, 2.0), (2, 12.0), (3, 7.0))]
    given = Worker(4, "n1", cpu_percent=5.0, cpu_source="psutil", figures_age_s=20.0)
    unknown = Worker(5, "n1", figures_at=now - 40.0)  # never reported: not counted
    assert NodeGroup.of("n1", timed, timed).oldest_s == 15.0  # 12 s, in Ray's 5 s steps
    assert NodeGroup.of("n1", [*timed, given], timed).oldest_s == 20.0
    assert NodeGroup.of("n1", [*timed, unknown], timed).oldest_s == 15.0
    assert NodeGroup.of("n1", [given], [given]).oldest_s == 20.0
