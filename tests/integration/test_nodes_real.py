"""The Nodes and Workers tabs of the app over a real two-node cluster
(ray.cluster_utils.Cluster, in a helper process: it cannot run beside the session
cluster): two node rows with the right CPUs, the head's two logical GPUs held by two
`num_gpus=1` tasks; once the second node is removed, it is shown DEAD with the time it
died, its workers leave the Workers tab, and no flag fires on the missing data.

Ray is told `num_gpus=2` on a machine without GPUs (logical GPUs): scheduling and
allocation are real, no device is measured (the measured side is tested with recorded
answers and synthetic histories, see tests/unit/test_detect_resources.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from tests.app.test_keys import wait_for
from tests.app.test_nodes_panel import cells
from tests.integration.two_nodes import two_nodes
from tui.app import RaytuiApp
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.model import Snapshot, to_json
from tui.panels.grouping import group_key
from tui.panels.keyed_table import KeyedTable
from tui.panels.nodes import NodesPanel

WORKER_FIGURE_FLAGS = ("logical_physical_gap", "uneven")  # the rules that read workers' CPU

GPU_AND_SPIN_TASKS = """
@ray.remote(num_gpus=1, num_cpus=0)
def hold_a_gpu(seconds):
    time.sleep(seconds)

@ray.remote(num_cpus=1, resources={"second": 1}, max_retries=0)
def spin_on_second(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass

refs = [hold_a_gpu.remote(600), hold_a_gpu.remote(600), spin_on_second.remote(600)]
report()
for line in sys.stdin:
    if line.strip() == "remove":
        cluster.remove_node(second)
        print("removed", flush=True)
    else:
        break
for ref in refs:
    ray.cancel(ref, force=True)
"""


class RecordingCollector(Collector):
    """The real collector, keeping every snapshot it made (the app may skip some)."""

    def __init__(self, connection: RayConnection) -> None:
        super().__init__(connection)
        self.seen: list[Snapshot] = []

    def poll_once(self) -> Snapshot:
        snapshot = super().poll_once()
        self.seen.append(snapshot)
        return snapshot


async def until(pilot: Pilot[int], app: RaytuiApp, condition: Callable[[Snapshot], bool],
                timeout_s: float, what: str) -> Snapshot:
    try:
        await wait_for(pilot, lambda: app.latest is not None and condition(app.latest),
                       timeout_s)
    except AssertionError:
        latest = app.latest
        raise AssertionError(what, latest and [
            (n.node_id[:8], n.state, n.cpus_used, n.cpus_total, n.gpus_used, n.gpus_total)
            for n in latest.nodes], latest and latest.status.errors) from None
    assert app.latest is not None
    return app.latest


async def shown_in(pilot: Pilot[int], app: RaytuiApp, pane: str) -> None:
    """Jump to a tab and let it draw a new snapshot there."""
    app.action_jump(pane)
    await pilot.pause()
    applied = app.snapshots_applied
    try:
        await wait_for(pilot, lambda: app.query_one("#tabs", TabbedContent).active == pane
                       and app.snapshots_applied > applied, 30)
    except AssertionError:
        raise AssertionError(f"{pane}: active {app.query_one('#tabs', TabbedContent).active}, "
                             f"applied {app.snapshots_applied} (was {applied}), screens "
                             f"{app.screen_stack}, state {app.connection_state}") from None
    await pilot.pause()


def worker_rows_of(table: KeyedTable, node_id: str) -> list[str]:
    return [str(r.key.value) for r in table.ordered_rows
            if str(r.key.value).startswith(f"{node_id}:")
            or str(r.key.value) == group_key(node_id)]


async def test_nodes_and_workers_tabs_on_a_real_two_node_cluster(tmp_path: Path) -> None:
    with two_nodes(tmp_path, GPU_AND_SPIN_TASKS, head_cpus=2, head_gpus=2) as cluster:
        head, second = cluster.head, cluster.second
        # Not connect(): this process may drive the session cluster already
        connection = RayConnection(ClusterAddress("dashboard", cluster.url))
        connection.dashboard_url = cluster.url
        collector = RecordingCollector(connection)
        app = RaytuiApp(open_source=lambda stop: collector, address_label=cluster.url,
                        interval_s=1.0)
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, app, lambda s: (
                s.cluster.nodes_alive == 2
                and {n.node_id: n.cpus_used for n in s.nodes} == {head: 0.0, second: 1.0}
                and any(n.gpus_used == 2.0 for n in s.nodes)), 60,
                "two nodes, the spin task on the second, both GPUs held")
            await shown_in(pilot, app, "nodes")
            nodes = app.query_one(NodesPanel).table
            rows = {key: cells(nodes, key) for key in (head, second)}
            assert nodes.row_count == 2
            assert rows[head]["node"].endswith(" head") and rows[head]["cpus"] == "0/2"
            assert rows[second]["cpus"] == "1/1"
            assert rows[head]["gpus"] == "2/2"  # logical: no device measured here
            assert rows[second]["gpus"] == "-"
            assert rows[head]["state"] == rows[second]["state"] == "ALIVE"

            # let the second node's workers be reported and shown, then remove the node
            await until(pilot, app, lambda s: any(
                w.node_id == second and w.cpu_source == "dashboard" for w in s.workers),
                60, "the second node's workers reported by its agent")
            await shown_in(pilot, app, "workers")
            workers = app.query_one("#workers-table", KeyedTable)
            assert group_key(second) in worker_rows_of(workers, second)
            assert len(worker_rows_of(workers, second)) > 1  # the group and its workers
            removed_at = time.time()
            cluster.send("remove")
            assert cluster.said("removed")
            await until(pilot, app, lambda s: any(
                n.node_id == second and n.state == "DEAD" for n in s.nodes), 60,
                "the removed node marked DEAD")
            polls = len(collector.seen)  # then 12 more: past every detector's window but
            await until(pilot, app, lambda s: len(collector.seen) >= polls + 12, 60,  # gpu_idle's
                        "12 polls after the node died")
            await shown_in(pilot, app, "workers")
            assert worker_rows_of(workers, second) == []  # gone from the Workers tab
            assert worker_rows_of(workers, head)  # the head's workers are still listed
            await shown_in(pilot, app, "nodes")
            last = app.shown
            assert last is not None
            died = next(n for n in last.nodes if n.node_id == second)
            assert died.state == "DEAD" and died.state_since is not None
            assert abs(died.state_since - removed_at) < 30
            state = cells(nodes, second)["state"]
            assert state == f"DEAD {time.strftime('%H:%M:%S', time.localtime(died.state_since))}"
            assert nodes.row_count == 2  # still listed, dimmed
            assert all("dim" in str(c.style) for c in nodes.get_row(second))
            assert last.cluster.nodes_alive == 1
    seen = collector.seen
    (tmp_path / "seen.jsonl").write_text("".join(json.dumps(to_json(s)) + "\n" for s in seen))
    # no flag from missing data: none that reads worker figures about the second node
    # before its workers were reported (its node figures were: the host is shared and
    # may well be saturated), none at all about it once dead
    reported = next(i for i, s in enumerate(seen) if any(
        w.node_id == second and w.cpu_source == "dashboard" for w in s.workers))
    died_at = next(i for i, s in enumerate(seen) if any(
        n.node_id == second and n.state == "DEAD" for n in s.nodes))
    assert not any(w.node_id == second for s in seen[died_at:] for w in s.workers)
    misfired = [(i, f.kind, f.message) for i, s in enumerate(seen) for f in s.flags
                if second in f.nodes and (i >= died_at or (
                    i < reported and f.kind in WORKER_FIGURE_FLAGS))]
    assert not misfired, misfired
    assert any(w.node_id == second and w.cpu_source == "none"
               for s in seen[:reported] for w in s.workers), "never saw unknown figures"
