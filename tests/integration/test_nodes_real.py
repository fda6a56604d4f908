"""The Nodes tab over a real two-node cluster (ray.cluster_utils.Cluster, in a helper
process: it cannot run beside the session cluster): two rows with the right CPUs, the
head's two logical GPUs held by two `num_gpus=1` tasks, and the second node shown DEAD
with the time it died once it is removed, with no flag fired on the missing data.

Ray is told `num_gpus=2` on a machine without GPUs (logical GPUs): scheduling and
allocation are real, no device is measured (the measured side is tested with recorded
answers and synthetic histories, see tests/unit/test_detect_resources.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from tests.app.test_nodes_panel import NodesApp, cells
from tests.conftest import REPO
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.history import History
from tui.core.model import Snapshot, to_json
from tui.panels.nodes import NodesPanel
from tui.panels.view import ViewState

WORKER_FIGURE_FLAGS = ("logical_physical_gap", "uneven")  # the rules that read workers' CPU

CLUSTER = """
import json, sys, time
import ray
from ray.cluster_utils import Cluster
from tui.core.connection import free_port

cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 2, "num_gpus": 2, "include_dashboard": True, "dashboard_host": "127.0.0.1",
    "dashboard_port": free_port()})
try:
    second = cluster.add_node(num_cpus=1, resources={"second": 1})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)

    @ray.remote(num_gpus=1, num_cpus=0)
    def hold_a_gpu(seconds):
        time.sleep(seconds)

    @ray.remote(num_cpus=1, resources={"second": 1}, max_retries=0)
    def spin_on_second(seconds):
        end = time.time() + seconds
        while time.time() < end:
            pass

    refs = [hold_a_gpu.remote(600), hold_a_gpu.remote(600), spin_on_second.remote(600)]
    pids = [info.process.pid for node in cluster.list_all_nodes()
            for infos in node.all_processes.values() for info in infos
            if info.process is not None]
    print(json.dumps({"url": cluster.head_node.address_info["webui_url"],
                      "head": cluster.head_node.node_id, "second": second.node_id,
                      "pids": pids}), flush=True)
    for line in sys.stdin:
        if line.strip() == "remove":
            cluster.remove_node(second)
            print("removed", flush=True)
        else:
            break
    for ref in refs:
        ray.cancel(ref, force=True)
    ray.shutdown()
finally:
    cluster.shutdown()
print("down", flush=True)
"""


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                living.append(pid)
        except psutil.NoSuchProcess:
            pass
    return living


@contextmanager
def two_node_cluster(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    log_path = tmp_path / "cluster.log"
    with log_path.open("w") as log:
        helper = subprocess.Popen([sys.executable, "-c", CLUSTER], cwd=REPO, env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                  text=True)
        pids: list[int] = []
        try:
            assert helper.stdout is not None
            line = next((ln for ln in helper.stdout if ln.startswith('{"url"')), "")
            assert line, log_path.read_text()[-2000:]
            info = json.loads(line)
            pids = info["pids"]
            yield helper, info
        finally:
            if helper.poll() is None:
                try:
                    assert helper.stdin is not None
                    helper.stdin.close()
                    helper.wait(60)
                except (subprocess.TimeoutExpired, OSError, BrokenPipeError):
                    helper.kill()
                    helper.wait(30)
            gone_by = time.monotonic() + 20
            while alive(pids) and time.monotonic() < gone_by:
                time.sleep(0.5)
            for pid in alive(pids):  # only if the helper died before shutting down
                psutil.Process(pid).kill()


def said(helper: subprocess.Popen[str], word: str) -> bool:
    """Whether the helper prints this line (Ray's driver prints its own lines too)."""
    assert helper.stdout is not None
    return any(line.strip() == word for line in helper.stdout)


def poll_until(collector: Collector, seen: list[Snapshot], condition: Callable[[Snapshot], bool],
               timeout_s: float, what: str) -> Snapshot:
    deadline = time.monotonic() + timeout_s
    while True:
        snapshot = collector.poll_once()
        seen.append(snapshot)
        if condition(snapshot):
            return snapshot
        assert time.monotonic() < deadline, (what, [
            (n.node_id[:8], n.state, n.cpus_used, n.cpus_total, n.gpus_used, n.gpus_total)
            for n in snapshot.nodes], snapshot.status.errors)
        time.sleep(1.0)


async def test_nodes_tab_on_a_real_two_node_cluster(tmp_path: Path) -> None:
    with two_node_cluster(tmp_path) as (helper, info):
        head, second = info["head"], info["second"]
        url = info["url"] if "://" in info["url"] else f"http://{info['url']}"
        # Not connect(): this process may drive the session cluster already
        connection = RayConnection(ClusterAddress("dashboard", url))
        connection.dashboard_url = url
        history = History()
        seen: list[Snapshot] = []
        app = NodesApp()
        async with app.run_test(size=(160, 30)) as pilot:
            panel = app.query_one(NodesPanel)

            async def shown(snapshot: Snapshot) -> dict[str, dict[str, str]]:
                history.add(snapshot)
                panel.show(snapshot, ViewState(node_cpu_history=history.node_cpu))
                await pilot.pause()
                return {n.node_id: cells(panel.table, n.node_id) for n in snapshot.nodes}

            with Collector(connection) as collector:
                both = poll_until(collector, seen, lambda s: (
                    s.cluster.nodes_alive == 2
                    and {n.node_id: n.cpus_used for n in s.nodes} == {head: 0.0, second: 1.0}
                    and any(n.gpus_used == 2.0 for n in s.nodes)), 60,
                    "two nodes, the spin task on the second, both GPUs held")
                rows = await shown(both)
                assert set(rows) == {head, second} and panel.table.row_count == 2
                assert rows[head]["node"].endswith(" head") and rows[head]["cpus"] == "0/2"
                assert rows[second]["cpus"] == "1/1"
                assert rows[head]["gpus"] == "2/2"  # logical: no device measured here
                assert rows[second]["gpus"] == "-"
                assert rows[head]["state"] == rows[second]["state"] == "ALIVE"

                # let the second node's workers be reported, then remove the node
                poll_until(collector, seen, lambda s: any(
                    w.node_id == second and w.cpu_source == "dashboard" for w in s.workers),
                    60, "the second node's workers reported by its agent")
                assert helper.stdin is not None and helper.stdout is not None
                removed_at = time.time()
                helper.stdin.write("remove\n")
                helper.stdin.flush()
                assert said(helper, "removed")
                dead = poll_until(collector, seen, lambda s: any(
                    n.node_id == second and n.state == "DEAD" for n in s.nodes), 60,
                    "the removed node marked DEAD")
                for _ in range(12):  # past every detector's window but gpu_idle's
                    seen.append(collector.poll_once())
                    time.sleep(1.0)
                rows = await shown(seen[-1])
                died = next(n for n in seen[-1].nodes if n.node_id == second)
                assert died.state == "DEAD" and died.state_since is not None
                assert abs(died.state_since - removed_at) < 30
                state = rows[second]["state"]
                assert state == f"DEAD {time.strftime('%H:%M:%S', time.localtime(died.state_since))}"
                assert panel.table.row_count == 2  # still listed, dimmed
                assert all("dim" in str(c.style) for c in panel.table.get_row(second))
                assert dead.cluster.nodes_alive == 1
        (tmp_path / "seen.jsonl").write_text(
            "".join(json.dumps(to_json(s)) + "\n" for s in seen))
        # no flag from missing data: none that reads worker figures about the second node
        # before its workers were reported (its node figures were: the host is shared and
        # may well be saturated), none at all about it once dead
        reported = next(i for i, s in enumerate(seen) if any(
            w.node_id == second and w.cpu_source == "dashboard" for w in s.workers))
        died_at = next(i for i, s in enumerate(seen) if any(
            n.node_id == second and n.state == "DEAD" for n in s.nodes))
        misfired = [(i, f.kind, f.message) for i, s in enumerate(seen) for f in s.flags
                    if second in f.nodes and (i >= died_at or (
                        i < reported and f.kind in WORKER_FIGURE_FLAGS))]
        assert not misfired, misfired
        assert any(w.node_id == second and w.cpu_source == "none"
                   for s in seen[:reported] for w in s.workers), "never saw unknown figures"
