"""Two nodes on one machine (ray.cluster_utils.Cluster): workers of the second node get
their CPU from the dashboard path, and a cluster that goes away is reported, not raised.

The cluster lives in a helper process of its own: ray.cluster_utils does not work in a
process that already drives another cluster (the session cluster of this test run).
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.two_nodes import two_nodes
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.model import Snapshot

SPIN_ON_SECOND = """
@ray.remote(num_cpus=1, resources={"second": 1})
def spin_on_second(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass

ref = spin_on_second.remote(120)
report()
sys.stdin.read()  # until the test closes our stdin
ray.cancel(ref, force=True)
"""


def spinning_remote_worker(snapshot: Snapshot, second: str) -> bool:
    return any(w.node_id == second and w.title.startswith("ray::spin_on_second")
               and w.cpu_percent > 30 for w in snapshot.workers)


def test_second_node_workers_get_cpu_from_the_dashboard(tmp_path: Path) -> None:
    with two_nodes(tmp_path, SPIN_ON_SECOND) as cluster:
        second = cluster.second
        # Not connect(): in this process Ray already drives the session cluster, and
        # RayConnection.connect() adopts an initialised Ray whatever the address says.
        connection = RayConnection(ClusterAddress("dashboard", cluster.url))
        connection.dashboard_url = cluster.url
        with Collector(connection) as collector:
            deadline = time.monotonic() + 75
            snapshot = collector.poll_once()
            while not spinning_remote_worker(snapshot, second):
                assert cluster.process.poll() is None, cluster.log_tail()
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

            assert cluster.stop()  # the helper shuts the cluster down and says "down"
            gone = collector.poll_once()  # GCS and dashboard are gone: reported, not raised
            assert not gone.status.connected
            assert gone.status.errors and gone.workers == ()
        assert not cluster.wait_daemons_gone()
