"""The collector against a real local Ray (the session cluster), and against failures."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import ray

from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection, free_port
from tui.core.model import Snapshot


@ray.remote(num_cpus=1)
def burn(seconds: float) -> int:
    end = time.time() + seconds
    while time.time() < end:
        pass
    return os.getpid()


@ray.remote(num_cpus=0)
class Counter:
    def pid(self) -> int:
        return os.getpid()


def poll_until(collector: Collector, ok: Callable[[Snapshot], bool], timeout: float,
               interval: float = 0.5) -> Snapshot:
    deadline = time.monotonic() + timeout
    snapshot = collector.poll_once()
    while not ok(snapshot):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last: {snapshot}")
        time.sleep(interval)
        snapshot = collector.poll_once()
    return snapshot


@pytest.fixture
def collector(ray_cluster: RayConnection) -> Iterator[Collector]:
    with Collector(ray_cluster) as c:
        yield c


def test_running_task_is_joined_to_its_worker_with_live_cpu(collector: Collector) -> None:
    ref = burn.remote(8.0)
    try:
        def busy_worker(s: Snapshot) -> bool:
            return any(w.running_task and w.running_task.name == "burn" and w.cpu_percent > 50
                       for w in s.workers)

        snapshot = poll_until(collector, busy_worker, timeout=20)
        assert snapshot.status.connected and snapshot.status.errors == ()
        worker = next(w for w in snapshot.workers
                      if w.running_task and w.running_task.name == "burn")
        assert worker.cpu_source == "psutil"  # the local node: fresh psutil readings
        assert worker.title.startswith("ray::burn")
        assert worker.rss_bytes > 10 * 2**20
        assert worker.node_id in {n.node_id for n in snapshot.nodes}
        running = [t for t in snapshot.tasks.running if t.name == "burn"]
        assert running and running[0].worker_pid == worker.pid
        assert snapshot.cluster.cpus_total == 2.0 and snapshot.cluster.nodes_alive == 1
        assert snapshot.tasks.running_list.returned == len(snapshot.tasks.running)
    finally:
        assert ray.get(ref) > 0


def test_counts_and_actors(collector: Collector) -> None:
    ray.get([burn.remote(0.0) for _ in range(3)])
    counter = Counter.remote()  # type: ignore[attr-defined]
    pid = ray.get(counter.pid.remote())
    try:
        def ready(s: Snapshot) -> bool:
            group = next((g for g in s.tasks.by_function if g.name == "burn"), None)
            return (group is not None and group.by_state.get("FINISHED", 0) >= 3
                    and any(a.pid == pid for a in s.actors))

        snapshot = poll_until(collector, ready, timeout=20)
        actor = next(a for a in snapshot.actors if a.pid == pid)
        assert actor.class_name == "Counter" and actor.state == "ALIVE"
        assert actor.node_id == snapshot.nodes[0].node_id and actor.rss_bytes
        assert snapshot.tasks.by_state["FINISHED"] >= 3
        worker = next(w for w in snapshot.workers if w.pid == pid)
        assert worker.actor_id == actor.actor_id
    finally:
        ray.kill(counter)


def test_the_monitor_itself_is_not_a_worker(collector: Collector) -> None:
    # this test process is a Ray driver of the session cluster, like `raytui watch` is
    snapshot = collector.poll_once()
    assert snapshot.status.connected
    assert os.getpid() not in {w.pid for w in snapshot.workers}
    assert snapshot.workers  # and the real workers are there


def test_dashboard_path_for_every_node(ray_cluster: RayConnection) -> None:
    """All nodes share this host, so force the remote-node path: no psutil at all."""
    ref = burn.remote(20.0)
    try:
        with Collector(ray_cluster, psutil_node_ids=set()) as collector:
            def dashboard_cpu(s: Snapshot) -> bool:
                # by the process title: Ray's task events (running_task) can lag under load
                return any(w.cpu_source == "dashboard" and w.title.startswith("ray::burn")
                           and w.cpu_percent > 30 for w in s.workers)

            # Ray's agent refreshes per-worker titles and CPU about every 15 s, and the
            # collector asks one node's detail at most every 5 s: up to ~35 s under load
            snapshot = poll_until(collector, dashboard_cpu, timeout=45, interval=1.0)
        assert all(w.cpu_source in ("dashboard", "none") for w in snapshot.workers)
        assert snapshot.nodes[0].cpu_percent > 0  # node CPU from /nodes?view=summary
    finally:
        ray.cancel(ref, force=True)


def dead_connection() -> RayConnection:
    connection = RayConnection(ClusterAddress("dashboard", "http://127.0.0.1:1"))
    connection.dashboard_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    return connection


def test_dashboard_down_gives_a_disconnected_snapshot() -> None:
    with Collector(dead_connection(), timeout_s=2.0) as collector:
        snapshot = collector.poll_once()
    assert not snapshot.status.connected
    assert any("nodes" in e and "unreachable" in e for e in snapshot.status.errors)
    assert snapshot.workers == () and snapshot.flags == ()


def test_a_source_that_never_answers_times_out() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # accepts connections, never answers
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        connection = dead_connection()
        connection.dashboard_url = f"http://127.0.0.1:{server.getsockname()[1]}"
        with Collector(connection, timeout_s=1.0) as collector:
            started = time.monotonic()
            snapshot = collector.poll_once()
            elapsed = time.monotonic() - started
        assert not snapshot.status.connected
        assert any("within 1 s" in e for e in snapshot.status.errors), snapshot.status.errors
        assert elapsed < 4.0
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        server.close()


@ray.remote(max_retries=0)
def explode() -> None:
    raise ValueError("raytui test failure")


def test_failed_tasks_carry_their_error(collector: Collector) -> None:
    with pytest.raises(ray.exceptions.RayTaskError):
        ray.get(explode.remote())

    def has_failure(s: Snapshot) -> bool:
        # the counts are refreshed in the background: wait until they include it too
        return (any(t.name == "explode" for t in s.tasks.failed)
                and any(g.name == "explode" for g in s.tasks.by_function))

    snapshot = poll_until(collector, has_failure, timeout=20)
    failed = next(t for t in snapshot.tasks.failed if t.name == "explode")
    assert failed.state == "FAILED" and failed.error_type
    assert "raytui test failure" in (failed.error_message or "")
    assert snapshot.tasks.failed_list.total >= snapshot.tasks.failed_list.returned >= 1
    group = next(g for g in snapshot.tasks.by_function if g.name == "explode")
    assert group.by_state == {"FAILED": 1}
