"""Two nodes on one machine (ray.cluster_utils.Cluster): workers of the second node get
their CPU from the dashboard path, and a cluster that goes away is reported, not raised."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
from ray.cluster_utils import Cluster

from tests.conftest import REPO
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection, free_port
from tui.core.model import Snapshot

SPIN_ON_SECOND_NODE = """
import time, ray
ray.init(log_to_driver=False)

@ray.remote(num_cpus=1, resources={"second": 1})
def spin_on_second(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass

ray.get(spin_on_second.remote(60))
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
    return any(w.node_id == second and w.running_task is not None
               and w.running_task.name == "spin_on_second" and w.cpu_percent > 30
               for w in snapshot.workers)


def test_second_node_workers_get_cpu_from_the_dashboard() -> None:
    port = free_port()
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": True, "dashboard_host": "127.0.0.1",
        "dashboard_port": port})
    driver = None
    shut_down = False
    try:
        second = cluster.add_node(num_cpus=1, resources={"second": 1}).node_id
        cluster.wait_for_nodes()
        env = dict(os.environ, RAY_ADDRESS=cluster.address, RAY_AUTH_MODE="token")
        driver = subprocess.Popen([sys.executable, "-c", SPIN_ON_SECOND_NODE], env=env,
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        connection = RayConnection(ClusterAddress("dashboard", f"http://127.0.0.1:{port}"))
        with connection.connect(), Collector(connection) as collector:
            deadline = time.monotonic() + 50
            snapshot = collector.poll_once()
            while not spinning_remote_worker(snapshot, second):
                assert driver.poll() is None, driver.stderr.read() if driver.stderr else ""
                assert time.monotonic() < deadline, snapshot
                time.sleep(1.0)
                snapshot = collector.poll_once()
            assert snapshot.status.connected and snapshot.cluster.nodes_alive == 2
            assert snapshot.cluster.cpus_total == 2.0
            remote = [w for w in snapshot.workers if w.node_id == second]
            assert remote and all(w.cpu_source == "dashboard" for w in remote if w.title)
            busy = next(w for w in remote if w.running_task)
            assert busy.title.startswith("ray::spin_on_second") and busy.rss_bytes > 0
            head = [w for w in snapshot.workers if w.node_id != second]
            assert all(w.cpu_source != "dashboard" for w in head)  # psutil on the head

            driver.terminate()
            driver.wait(30)
            daemon_pids = [info.process.pid for node in cluster.list_all_nodes()
                           for infos in node.all_processes.values() for info in infos
                           if info.process is not None]
            assert daemon_pids
            cluster.shutdown()
            shut_down = True
            gone_by = time.monotonic() + 20  # killed processes take a moment to exit
            while alive(daemon_pids) and time.monotonic() < gone_by:
                time.sleep(0.5)
            assert not alive(daemon_pids)
            gone = collector.poll_once()  # GCS and dashboard are gone: reported, not raised
            assert not gone.status.connected
            assert gone.status.errors and gone.workers == ()
    finally:
        if driver is not None and driver.poll() is None:
            driver.kill()
            driver.wait(30)
        if not shut_down:
            cluster.shutdown()
