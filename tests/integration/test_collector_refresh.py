"""A long-lived collector on the real session cluster: what it skips on an idle cluster,
and that what it skips still shows up when the cluster moves (see the table in
tui/core/collector.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import ray

from tests.integration.test_collector import poll_until
from tui.core.collector import ACTORS_MAX_AGE_S, SOFT_WAIT_S, Collector
from tui.core.connection import RayConnection
from tui.core.model import ListInfo, Snapshot, Task
from tui.core.poll.sources import dashboard_sources
from tui.core.sources.state_api import StateApiSource, WorkerRow


@ray.remote(num_cpus=1)
def nap(seconds: float) -> None:
    time.sleep(seconds)  # running, but using no CPU: only the process title shows it


@ray.remote(num_cpus=0)
class Sleeper:
    def nap(self, seconds: float) -> None:
        time.sleep(seconds)


@ray.remote(num_cpus=0, max_retries=0)
def fail_fast() -> None:
    raise RuntimeError("refresh test failure")


class TappedState(StateApiSource):
    """The real state API, counting the running-task and worker calls, and delaying the
    worker list on demand (as a state server busy with a summary does)."""

    def __init__(self, real: StateApiSource) -> None:
        super().__init__(real.http)
        self.running_calls = 0
        self.worker_calls = 0
        self.worker_delay_s = 0.0

    def running_tasks(self) -> tuple[list[Task], ListInfo]:
        self.running_calls += 1
        return super().running_tasks()

    def workers(self) -> tuple[list[WorkerRow], ListInfo]:
        self.worker_calls += 1
        time.sleep(self.worker_delay_s)
        return super().workers()


def tapped_collector(connection: RayConnection) -> tuple[Collector, TappedState]:
    assert connection.dashboard_url
    sources = dashboard_sources(connection.dashboard_url, 5.0)
    assert isinstance(sources.state, StateApiSource)
    sources.state = tapped = TappedState(sources.state)
    return Collector(connection, sources=sources), tapped


@pytest.fixture
def tapped(ray_cluster: RayConnection) -> Iterator[tuple[Collector, TappedState]]:
    """A collector that has polled long enough to know the cluster is idle."""
    collector, state = tapped_collector(ray_cluster)
    with collector:
        for _ in range(3):
            collector.poll_once()
            time.sleep(0.3)
        yield collector, state


@pytest.fixture
def settled(tapped: tuple[Collector, TappedState]) -> Collector:
    return tapped[0]


def test_an_idle_cluster_is_not_asked_for_running_tasks(
        tapped: tuple[Collector, TappedState]) -> None:
    settled, state = tapped
    before = state.running_calls
    for _ in range(4):
        snapshot = settled.poll_once()
        time.sleep(0.3)
    assert snapshot.status.connected and snapshot.tasks.running == ()
    assert state.running_calls == before


def test_a_sleeping_task_on_an_idle_cluster_is_seen_at_once(
        tapped: tuple[Collector, TappedState]) -> None:
    settled, state = tapped
    before = state.running_calls
    ref = nap.remote(6.0)
    try:
        started = time.monotonic()

        def titled(s: Snapshot) -> bool:
            return any(w.title.startswith("ray::nap") for w in s.workers)

        poll_until(settled, titled, timeout=10, interval=0.5)
        # the first poll that sees the new title asks for the running tasks at once
        assert state.running_calls > before

        def napping(s: Snapshot) -> bool:
            return any(w.running_task and w.running_task.name == "nap" for w in s.workers)

        # Ray reports a task's start about once a second: it may need one more poll
        snapshot = poll_until(settled, napping, timeout=10, interval=0.5)
        assert time.monotonic() - started < 4.0
        task = next(t for t in snapshot.tasks.running if t.name == "nap")
        worker = next(w for w in snapshot.workers if w.pid == task.worker_pid)
        assert worker.title.startswith("ray::nap") and worker.cpu_percent < 50
    finally:
        ray.get(ref)
    poll_until(settled, lambda s: s.tasks.running == (), timeout=10)


def test_actors_appear_and_die_without_waiting_for_their_max_age(settled: Collector) -> None:
    sleeper = Sleeper.remote()  # type: ignore[attr-defined]
    ray.get(sleeper.nap.remote(0.0))
    started = time.monotonic()

    def alive(s: Snapshot) -> bool:
        return any(a.class_name == "Sleeper" and a.state == "ALIVE" for a in s.actors)

    snapshot = poll_until(settled, alive, timeout=15, interval=0.5)
    actor = next(a for a in snapshot.actors if a.class_name == "Sleeper" and a.state == "ALIVE")
    appeared_s = time.monotonic() - started
    # a method that naps is a running task on an idle cluster, seen by its title
    ref = sleeper.nap.remote(4.0)
    busy = poll_until(settled, lambda s: any(
        t.actor_id == actor.actor_id for t in s.tasks.running), timeout=8, interval=0.5)
    assert any(w.actor_id == actor.actor_id and w.running_task for w in busy.workers)
    ray.get(ref)
    ray.kill(sleeper)
    started = time.monotonic()
    poll_until(settled, lambda s: any(a.actor_id == actor.actor_id and a.state == "DEAD"
                                      for a in s.actors), timeout=15, interval=0.5)
    died_s = time.monotonic() - started
    # seen by the change in its worker, well before the re-ask every 5 s
    assert appeared_s < ACTORS_MAX_AGE_S - 2.0 and died_s < ACTORS_MAX_AGE_S - 2.0, (
        appeared_s, died_s)


def test_a_task_that_fails_between_polls_reaches_the_failed_list(settled: Collector) -> None:
    with pytest.raises(ray.exceptions.RayTaskError):
        ray.get(fail_fast.remote())

    def listed(s: Snapshot) -> bool:
        return any(t.name == "fail_fast" for t in s.tasks.failed)

    # the counts are asked at least every 5 s; a new FAILED count asks for the list
    snapshot = poll_until(settled, listed, timeout=15, interval=0.5)
    failed = next(t for t in snapshot.tasks.failed if t.name == "fail_fast")
    assert "refresh test failure" in (failed.error_message or "")


def test_a_late_source_shows_its_last_answer_and_is_not_asked_twice(
        tapped: tuple[Collector, TappedState]) -> None:
    settled, slow = tapped
    before = settled.poll_once()
    slow.worker_delay_s, slow.worker_calls = 3.0, 0
    started = time.monotonic()
    snapshot = settled.poll_once()
    assert time.monotonic() - started < SOFT_WAIT_S + 0.8  # not the 3 s of the call
    assert snapshot.status.connected and snapshot.status.errors == ()
    assert {w.pid for w in snapshot.workers} == {w.pid for w in before.workers}
    assert "workers" in snapshot.status.answer_age_s
    settled.poll_once()  # the call is still running: this poll waits on it, not a new one
    assert slow.worker_calls == 1
    time.sleep(2.0)
    late = settled.poll_once()  # the late answer has come in, and says how old it is
    assert slow.worker_calls == 1 and late.status.answer_age_s["workers"] >= 2.5
    slow.worker_delay_s = 0.0
    fresh = settled.poll_once()
    assert slow.worker_calls == 2 and "workers" not in fresh.status.answer_age_s
