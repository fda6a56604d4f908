"""The collector over canned sources: one deadline per poll, one failed call is not a
disconnection, the request budget, wanted nodes first, dead nodes, the quiet rule."""

from __future__ import annotations

import time

from tests.unit.canned import REFUSED, TIMED_OUT, Cluster, connection, node_id, sources
from tui.core.collector import Collector
from tui.core.model import Snapshot
from tui.core.poll import plan


class SkippingClock:
    """The monotonic clock, which a test can move ahead (reused answers age at once)."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead


def collector(cluster: Cluster, timeout_s: float = 2.0,
              clock: SkippingClock | None = None) -> Collector:
    return Collector(connection(), timeout_s=timeout_s, sources=sources(cluster),
                     psutil_node_ids={node_id(0)}, clock=clock or SkippingClock())


def polls(c: Collector, count: int) -> Snapshot:
    snapshot = c.poll_once()
    for _ in range(count - 1):
        snapshot = c.poll_once()
    return snapshot


def test_remote_workers_get_dashboard_figures_with_their_age() -> None:
    cluster = Cluster(nodes=3, workers_per_node=2)
    with collector(cluster) as c:
        first = c.poll_once()
        assert first.status.connected and len(first.workers) == 6
        # the first poll knew no worker yet: remote figures come from the second on
        assert {w.cpu_source for w in first.workers if w.node_id != node_id(0)} == {"none"}
        second = c.poll_once()
    remote = [w for w in second.workers if w.node_id != node_id(0)]
    assert {w.cpu_source for w in remote} == {"dashboard"} and remote[0].cpu_percent == 50.0
    assert {w.cpu_source for w in second.workers if w.node_id == node_id(0)} == {"psutil"}
    assert cluster.node_calls == {node_id(1): 1, node_id(2): 1}


def test_one_failed_call_marks_its_part_and_keeps_the_rest() -> None:
    cluster = Cluster(nodes=2)
    with collector(cluster) as c:
        good = polls(c, 2)
        cluster.fail["workers"] = TIMED_OUT
        snapshot = c.poll_once()
    assert snapshot.status.connected
    assert snapshot.status.errors == ("workers: /api/v0/workers: no answer within 5 s",)
    assert {w.pid for w in snapshot.workers} == {w.pid for w in good.workers}
    assert snapshot.status.answer_age_s["workers"] >= 0.0
    assert snapshot.nodes == good.nodes


def test_a_poll_where_every_call_times_out_is_stale_not_disconnected() -> None:
    cluster = Cluster(nodes=2)
    with collector(cluster) as c:
        good = polls(c, 2)
        for name in ("workers", "running_tasks", "nodes", "actors", "node_stats",
                     "cluster_status", "node_processes"):
            cluster.fail[name] = TIMED_OUT
        snapshot = c.poll_once()
    assert snapshot.status.connected  # the cluster answered a moment ago
    assert {w.pid for w in snapshot.workers} == {w.pid for w in good.workers}
    assert "workers" in snapshot.status.answer_age_s and snapshot.status.errors


def test_nothing_answering_at_the_address_is_a_disconnection() -> None:
    cluster = Cluster(nodes=2)
    with collector(cluster) as c:
        polls(c, 2)
        for name in ("workers", "running_tasks", "nodes", "actors", "node_stats",
                     "cluster_status", "node_processes"):
            cluster.fail[name] = REFUSED
        snapshot = c.poll_once()
    assert not snapshot.status.connected and snapshot.workers == ()
    assert any("unreachable" in e for e in snapshot.status.errors)


def test_a_poll_ends_by_its_one_deadline_however_many_sources_are_slow() -> None:
    cluster, clock = Cluster(nodes=4), SkippingClock()
    with collector(cluster, timeout_s=1.0, clock=clock) as c:
        polls(c, 2)
        clock.ahead += 5.1  # every reused answer is due again
        for name in ("workers", "running_tasks", "nodes", "actors", "node_stats",
                     "cluster_status", "node_processes", "task_counts", "failed_tasks"):
            cluster.delay_s[name] = 3.0
        started = time.monotonic()
        snapshot = c.poll_once()
        elapsed = time.monotonic() - started
        assert elapsed < c.deadline_s + 0.2, elapsed
        assert snapshot.status.connected and len(snapshot.workers) == 8  # earlier answers
        assert set(snapshot.status.answer_age_s) >= {"workers", "nodes", "node_stats"}
        calls = dict(cluster.calls)
        c.poll_once()  # the slow calls are still in flight: waited for, not asked again
        assert all(cluster.calls[name] == calls[name] for name in ("workers", "nodes"))


def test_a_first_answer_that_never_comes_is_an_error_not_a_hang() -> None:
    cluster = Cluster(nodes=2, delay_s={"nodes": 3.0})
    with collector(cluster, timeout_s=1.0) as c:
        started = time.monotonic()
        snapshot = c.poll_once()
        assert time.monotonic() - started < c.deadline_s + 0.2
    assert snapshot.status.connected  # the workers answered
    assert "nodes: no answer within 1 s" in snapshot.status.errors


def test_the_budget_bounds_node_calls_and_every_node_is_refreshed() -> None:
    cluster = Cluster(nodes=101, workers_per_node=2)
    with collector(cluster) as c:
        c.poll_once()
        before = 0
        seen_polls = 0
        while len(cluster.node_calls) < 100:
            time.sleep(0.1)
            snapshot = c.poll_once()
            started = cluster.calls["node_processes"] - before
            before = cluster.calls["node_processes"]
            assert started <= plan.NODE_DETAIL_BUDGET
            seen_polls += 1
            assert seen_polls <= 8  # ceil(100 / 16) polls (no wanted nodes)
    assert all(w.cpu_source != "none" for w in snapshot.workers)
    ages = {w.figures_age_at(snapshot.time) for w in snapshot.workers
            if w.cpu_source == "dashboard"}
    assert max(ages) > 0.0  # the oldest answers say how old they are


def test_wanted_nodes_are_refreshed_first() -> None:
    cluster = Cluster(nodes=101, workers_per_node=1)
    with collector(cluster) as c:
        c.poll_once()
        c.want_nodes([node_id(100), node_id(99)])
        c.poll_once()
    assert cluster.node_calls[node_id(100)] == 1 and cluster.node_calls[node_id(99)] == 1
    assert sum(cluster.node_calls.values()) == plan.NODE_DETAIL_BUDGET


def test_a_node_marked_dead_takes_its_workers_along() -> None:
    cluster, clock = Cluster(nodes=3), SkippingClock()
    with collector(cluster, clock=clock) as c:
        polls(c, 2)
        cluster.dead.add(node_id(2))
        calls = cluster.node_calls[node_id(2)]
        clock.ahead += 5.1  # the node list is asked again (its max age)
        snapshot = polls(c, 2)
        later = c.poll_once()
    assert node_id(2) not in {w.node_id for w in snapshot.workers}
    assert [n.state for n in snapshot.nodes] == ["ALIVE", "ALIVE", "DEAD"]
    assert cluster.node_calls[node_id(2)] <= calls + 1 and later.status.connected


def test_a_quiet_local_cluster_is_not_asked_for_running_tasks() -> None:
    cluster = Cluster(nodes=1, workers_per_node=3)
    with collector(cluster) as c:
        polls(c, 2)
        asked = cluster.calls["running_tasks"]
        snapshot = polls(c, 3)
    assert cluster.calls["running_tasks"] == asked and snapshot.tasks.running == ()
    assert snapshot.status.connected and snapshot.status.errors == ()
