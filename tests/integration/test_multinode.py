"""Two nodes on one machine (ray.cluster_utils.Cluster): workers of the second node get
their CPU from the dashboard path, and a cluster that goes away is reported, not raised.

The cluster lives in a helper process of its own: ray.cluster_utils does not work in a
process that already drives another cluster (the session cluster of this test run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.conftest import REPO
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.model import Snapshot

TWO_NODE_CLUSTER = """
import json, sys, time
import ray
from ray.cluster_utils import Cluster
from tui.core.connection import free_port

cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 1, "include_dashboard": True, "dashboard_host": "127.0.0.1",
    "dashboard_port": free_port()})
try:
    second = cluster.add_node(num_cpus=1, resources={"second": 1}).node_id
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)

    @ray.remote(num_cpus=1, resources={"second": 1})
    def spin_on_second(seconds):
        end = time.time() + seconds
        while time.time() < end:
            pass

    ref = spin_on_second.remote(120)
    pids = [info.process.pid for node in cluster.list_all_nodes()
            for infos in node.all_processes.values() for info in infos
            if info.process is not None]
    print(json.dumps({"url": cluster.head_node.address_info["webui_url"], "second": second,
                      "pids": pids}), flush=True)
    sys.stdin.read()  # until the test closes our stdin
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


def spinning_remote_worker(snapshot: Snapshot, second: str) -> bool:
    return any(w.node_id == second and w.title.startswith("ray::spin_on_second")
               and w.cpu_percent > 30 for w in snapshot.workers)


def test_second_node_workers_get_cpu_from_the_dashboard(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    log = (tmp_path / "cluster.log").open("w")
    helper = subprocess.Popen([sys.executable, "-c", TWO_NODE_CLUSTER], cwd=REPO, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                              text=True)
    pids: list[int] = []
    try:
        assert helper.stdout is not None and helper.stdin is not None
        line = helper.stdout.readline()
        assert line, (tmp_path / "cluster.log").read_text()[-2000:]
        info = json.loads(line)
        second, pids = info["second"], info["pids"]
        url = info["url"] if "://" in info["url"] else f"http://{info['url']}"
        # Not connect(): in this process Ray already drives the session cluster, and
        # RayConnection.connect() adopts an initialised Ray whatever the address says.
        connection = RayConnection(ClusterAddress("dashboard", url))
        connection.dashboard_url = url
        with Collector(connection) as collector:
            deadline = time.monotonic() + 75
            snapshot = collector.poll_once()
            while not spinning_remote_worker(snapshot, second):
                assert helper.poll() is None, (tmp_path / "cluster.log").read_text()[-2000:]
                assert time.monotonic() < deadline, (
                    second, [(w.pid, w.node_id[:8], w.cpu_source, w.title)
                             for w in snapshot.workers], snapshot.status.errors)
                time.sleep(1.0)
                snapshot = collector.poll_once()
            assert snapshot.status.connected and snapshot.cluster.nodes_alive == 2
            assert second in {n.node_id for n in snapshot.nodes}
            assert snapshot.cluster.cpus_total == 2.0
            remote = [w for w in snapshot.workers if w.node_id == second]
            assert remote and all(w.cpu_source == "dashboard" for w in remote if w.title)
            busy = next(w for w in remote if w.title.startswith("ray::spin_on_second"))
            assert busy.cpu_source == "dashboard" and busy.rss_bytes > 0
            head = [w for w in snapshot.workers if w.node_id != second]
            assert all(w.cpu_source != "dashboard" for w in head)  # psutil on the head

            helper.stdin.close()  # the helper shuts the cluster down
            assert helper.stdout.readline().strip() == "down"
            helper.wait(60)
            gone = collector.poll_once()  # GCS and dashboard are gone: reported, not raised
            assert not gone.status.connected
            assert gone.status.errors and gone.workers == ()
        gone_by = time.monotonic() + 20  # killed processes take a moment to exit
        while alive(pids) and time.monotonic() < gone_by:
            time.sleep(0.5)
        assert not alive(pids)
    finally:
        if helper.poll() is None:
            helper.terminate()
            try:
                helper.wait(60)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait(30)
        for pid in alive(pids):  # only if the helper died before shutting its cluster down
            psutil.Process(pid).kill()
        log.close()
