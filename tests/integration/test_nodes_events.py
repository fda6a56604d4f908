"""Events from a real cluster (the session cluster): an actor killed and a task that
raised become `actor_died` (with the cause the collector reports) and `task_failed`
events, once each."""

from __future__ import annotations

import time

import pytest
import ray

from tui.core.collector import Collector
from tui.core.connection import RayConnection
from tui.core.events import EventLog
from tui.core.model import Event
from tui.core.text import first_line


@ray.remote(num_cpus=0)
class Doomed:
    def ready(self) -> bool:
        return True


@ray.remote(num_cpus=0, max_retries=0)
def raise_value_error() -> None:
    raise ValueError("size must be positive")


def test_actor_death_and_task_failure_become_events(ray_cluster: RayConnection) -> None:
    log = EventLog()
    events: list[Event] = []
    with Collector(ray_cluster) as collector:
        for _ in range(2):  # the starting point: what the cluster held before
            events += log.update(collector.poll_once())
        actor = Doomed.remote()  # type: ignore[attr-defined]
        ray.get(actor.ready.remote())
        actor_id = actor._actor_id.hex()
        ray.kill(actor, no_restart=True)
        failed = raise_value_error.remote()
        with pytest.raises(ray.exceptions.RayTaskError, match="size must be positive"):
            ray.get(failed)
        task_id = failed.task_id().hex()
        deadline = time.monotonic() + 45
        kinds: set[tuple[str, str]] = set()
        while not {("actor_died", actor_id), ("task_failed", task_id)} <= kinds:
            assert time.monotonic() < deadline, [(e.kind, e.subject, e.message) for e in events]
            time.sleep(1.0)
            snapshot = log.with_events(collector.poll_once())
            events += snapshot.events
            kinds = {(e.kind, e.subject) for e in events}
        for _ in range(3):  # reported once, not at every poll that lists them
            snapshot = collector.poll_once()
            events += log.update(snapshot)
    died = [e for e in events if e.kind == "actor_died" and e.subject == actor_id]
    assert len(died) == 1 and "Doomed" in died[0].message
    # the cause as the collector reports it (Ray's list without detail may carry none)
    cause = next(a.death_cause for a in snapshot.actors if a.actor_id == actor_id)
    assert died[0].message.endswith(first_line(cause) if cause else "no cause reported")
    assert died[0].detail == (cause or "")
    task = [e for e in events if e.kind == "task_failed" and e.subject == task_id]
    assert len(task) == 1 and "raise_value_error" in task[0].message
    assert "ValueError" in task[0].message, task[0]
