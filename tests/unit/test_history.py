"""History: bounded series per worker and node, by key."""

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
    for t in range(200):
        history.add(snap(t, {1000 + t: 50.0, 1: 1.0}))
    held = history.workers_held()
    for t in range(200, 500):
        history.add(snap(t, {1000 + t: 50.0, 1: 1.0}))
    assert history.workers_held() == held <= 2 * history.maxlen
    assert history.worker_cpu(WorkerKey("n1", 1000)) == []
    assert history.worker_cpu(WorkerKey("n1", 1499)) == [50.0]
    assert len(history.worker_cpu(WorkerKey("n1", 1))) == 120


def test_a_worker_that_was_away_starts_a_new_series() -> None:
    history = History()
    for t, workers in enumerate([{7: 1.0, 8: 5.0}, {7: 2.0}, {7: 3.0, 8: 6.0}, {8: 7.0, 7: 4.0}]):
        history.add(snap(t, workers))
    assert history.worker_cpu(WorkerKey("n1", 7)) == [1.0, 2.0, 3.0, 4.0]
    assert history.worker_cpu(WorkerKey("n1", 8)) == [6.0, 7.0]  # away at t=1
    assert history.workers_held() == 2 + 1 + 2 + 2  # one index per order seen


def test_polls_in_the_same_order_share_one_index() -> None:
    history = History()
    for t in range(50):
        history.add(snap(t, {7: float(t), 8: 1.0, 9: 2.0}))
    assert history.workers_held() == 3
    assert history.worker_cpu(WorkerKey("n1", 7)) == [float(t) for t in range(50)]


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


def test_a_pid_on_two_nodes_has_two_series() -> None:
    history = History()
    for t in range(3):
        history.add(Snapshot(time=t, status=Status(connected=True), workers=(
            Worker(pid=7, node_id="n1", cpu_percent=float(t)),
            Worker(pid=7, node_id="n2", cpu_percent=50.0 + t))))
    assert history.worker_cpu(WorkerKey("n1", 7)) == [0.0, 1.0, 2.0]
    assert history.worker_cpu(WorkerKey("n2", 7)) == [50.0, 51.0, 52.0]
    assert history.worker_cpu(WorkerKey("n3", 7)) == []


class CountingWorker(Worker):
    """A worker that counts the reads of its fields."""

    reads = 0

    def __getattribute__(self, name: str) -> object:
        CountingWorker.reads += 1
        return super().__getattribute__(name)


def test_lookups_are_by_key_not_a_scan() -> None:
    """16,000 workers: a lookup reads no worker (the old code scanned them all per row)."""
    history = History()
    for t in range(3):
        workers = tuple(CountingWorker(pid=10_000 + i, node_id=f"n{i // 16}",
                                       cpu_percent=float(t)) for i in range(16_000))
        history.add(Snapshot(time=t, status=Status(connected=True), workers=workers))
    assert CountingWorker.reads >= 3 * 16_000  # recording reads every worker
    CountingWorker.reads = 0
    for worker in workers[::100]:
        assert history.worker_cpu(WorkerKey(worker.node_id, worker.pid)) == [0.0, 1.0, 2.0]
    assert CountingWorker.reads == 160 * 2  # the two fields of the keys above, nothing else


def test_a_history_spaces_out_full_collections_for_its_process() -> None:
    # a full collection walks every worker of every snapshot kept: the UI stalled
    # 0.1-0.6 s each time at 16,000 workers (tui/core/history.py, FULL_GC_AFTER)
    import gc

    from tui.core.history import FULL_GC_AFTER

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        History(3)
        assert gc.get_threshold() == (700, 10, FULL_GC_AFTER)
    finally:
        gc.set_threshold(*before)
