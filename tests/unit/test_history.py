"""History: bounded ring buffers per worker and node."""

from __future__ import annotations

import pytest

from tui.core.history import History
from tui.core.model import Node, Snapshot, Status, Worker, WorkerKey


def snap(t: float, workers: dict[int, float], node_cpu: float = 10.0,
         connected: bool = True) -> Snapshot:
    return Snapshot(time=t, status=Status(connected=connected),
                    nodes=(Node("n1", cpu_percent=node_cpu),),
                    workers=tuple(Worker(pid=p, node_id="n1", cpu_percent=c)
                                  for p, c in workers.items()))


def test_series_are_oldest_first() -> None:
    history = History()
    for t, cpu in enumerate([1.0, 2.0, 3.0]):
        history.add(snap(t, {7: cpu}, node_cpu=cpu * 10))
    assert history.worker_cpu(WorkerKey("n1", 7)) == [1.0, 2.0, 3.0]
    assert history.node_cpu("n1") == [10.0, 20.0, 30.0]
    assert history.worker_cpu(WorkerKey("n1", 8)) == [] and history.node_cpu("nope") == []


def test_buffers_are_bounded_by_maxlen() -> None:
    history = History(maxlen=5)
    for t in range(1000):
        history.add(snap(t, {7: float(t)}))
    assert history.worker_cpu(WorkerKey("n1", 7)) == [995.0, 996.0, 997.0, 998.0, 999.0]
    assert len(history) == 5 and len(history.node_cpu("n1")) == 5


def test_vanished_workers_are_dropped() -> None:
    history = History()
    # a churn of short-lived workers: memory must not grow with each new pid
    for t in range(500):
        history.add(snap(t, {1000 + t: 50.0, 1: 1.0}))
    assert len(history._worker_cpu) == 2  # the long-lived one and the newest
    assert history.worker_cpu(WorkerKey("n1", 1000)) == []
    assert len(history.worker_cpu(WorkerKey("n1", 1))) == 120


def test_a_failed_poll_keeps_the_buffers() -> None:
    history = History()
    history.add(snap(0, {7: 5.0}))
    history.add(Snapshot(time=1, status=Status(connected=False, errors=("down",))))
    assert history.worker_cpu(WorkerKey("n1", 7)) == [5.0]
    assert [s.time for s in history.window(10)] == [0]  # windows skip failed polls


def test_window_is_by_snapshot_time() -> None:
    history = History()
    for t in (0.0, 0.5, 1.0, 4.0, 5.0):
        history.add(snap(t, {}))
    assert [s.time for s in history.window(1.0)] == [4.0, 5.0]
    assert [s.time for s in history.last(2)] == [4.0, 5.0]


def test_maxlen_must_be_positive() -> None:
    with pytest.raises(ValueError):
        History(maxlen=0)
