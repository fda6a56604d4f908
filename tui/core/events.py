"""What happened, kept: flags raised and cleared, nodes and actors dying, tasks failing.

An `EventLog` is fed every snapshot in order (`update`), compares it with what it saw
before, and returns the events that happened since: a flag that fired for one poll is
still in the log a minute later. Events others report (a workload started or ended)
go through `record` and come out of the next `update`, so they reach `Snapshot.events`,
the JSONL stream and recordings the same way. Thread-safe: the collector's thread
calls `update`, the app's thread may call `record`.

The collector wires it with one line after detection:
    snapshot = event_log.with_events(snapshot)
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tui.core.kinds import EVENT_KINDS
from tui.core.model import Actor, Event, Flag, Node, Snapshot
from tui.core.text import first_line

MAX_EVENTS = 1000
# ids remembered to tell a new failure or death from one already reported; the oldest
# are forgotten beyond this (Ray's own lists stop at 10,000 rows)
MAX_REMEMBERED = 50_000


class EventLog:
    def __init__(self, maxlen: int = MAX_EVENTS,
                 clock: Callable[[], float] = time.time) -> None:
        self._events: deque[Event] = deque(maxlen=maxlen)
        self._pending: list[Event] = []  # recorded, not yet returned by update
        self._lock = threading.Lock()
        self._clock = clock
        self._started: float | None = None  # time of the first connected snapshot
        self._connected: bool | None = None
        self._lost_at = 0.0
        self._flags: dict[str, tuple[Flag, float]] = {}  # key -> flag, raised at
        self._node_state: dict[str, str] = {}
        self._actor_state: dict[str, str] = {}
        self._failed_seen: dict[str, None] = {}  # an ordered set

    # --- the feed -----------------------------------------------------------

    def with_events(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot carrying the events of this poll (`Snapshot.events`)."""
        return dataclasses.replace(snapshot, events=self.update(snapshot))

    def update(self, snapshot: Snapshot) -> tuple[Event, ...]:
        """Compare this snapshot with the previous ones: the new events, oldest first."""
        with self._lock:
            new = self._pending
            self._pending = []
            new += self._connection(snapshot)
            if snapshot.status.connected:  # a failed poll says nothing about the cluster
                first = self._started is None
                if first:
                    self._started = snapshot.time
                new += self._flag_changes(snapshot)
                new += self._node_changes(snapshot, first)
                new += self._actor_changes(snapshot, first)
                new += self._failed_tasks(snapshot, first)
            self._events.extend(new)
            return tuple(new)

    def record(self, kind: str, message: str, *, subject: str = "", detail: str = "",
               duration_s: float | None = None, at: float | None = None) -> Event:
        """Report an event from outside the snapshots (e.g. workload_started/_ended with
        its result line); it is in the log now and in the next `update`'s answer."""
        event = _event(self._clock() if at is None else at, kind, message, subject, detail,
                       duration_s)
        with self._lock:
            self._pending.append(event)
        return event

    @property
    def events(self) -> tuple[Event, ...]:
        """Every kept event, oldest first (the last `maxlen`), recorded ones included."""
        with self._lock:
            return (*self._events, *self._pending)

    # --- what changed --------------------------------------------------------

    def _connection(self, snapshot: Snapshot) -> list[Event]:
        was, now = self._connected, snapshot.status.connected
        self._connected = now
        if was and not now:
            self._lost_at = snapshot.time
            reason = first_line(snapshot.status.errors[0]) if snapshot.status.errors else ""
            return [_event(snapshot.time, "connection_lost",
                           f"connection lost{': ' + reason if reason else ''}",
                           snapshot.status.address, "\n".join(snapshot.status.errors))]
        if was is False and now and self._started is not None:  # lost, not never had
            lost = snapshot.time - self._lost_at
            return [_event(snapshot.time, "connection_back",
                           f"connection back after {_duration(lost)}",
                           snapshot.status.address, duration_s=lost)]
        return []

    def _flag_changes(self, snapshot: Snapshot) -> list[Event]:
        events = []
        now = {flag.key: flag for flag in snapshot.flags}
        for key, flag in now.items():
            if key not in self._flags:
                self._flags[key] = (flag, snapshot.time)
                events.append(_event(snapshot.time, "flag_raised",
                                     f"{flag.kind} raised: {flag.message}", key,
                                     flag.explanation))
        for key in [k for k in self._flags if k not in now]:
            flag, raised_at = self._flags.pop(key)
            lasted = snapshot.time - raised_at
            events.append(_event(snapshot.time, "flag_cleared",
                                 f"{flag.kind} cleared after {_duration(lasted)}: "
                                 f"{flag.message}", key, flag.explanation, lasted))
        return events

    def _node_changes(self, snapshot: Snapshot, first: bool) -> list[Event]:
        """Joins and deaths after the first poll (the nodes then are the starting point).
        A node missing from one poll's list is not taken for dead: Ray says DEAD."""
        events = []
        for node in snapshot.nodes:
            before = self._node_state.get(node.node_id)
            self._node_state[node.node_id] = node.state
            if first or before == node.state:
                continue
            if node.state == "ALIVE" and before is None:
                events.append(_event(snapshot.time, "node_joined",
                                     f"node {_node_name(node)} joined "
                                     f"({node.cpus_total:g} CPUs)", node.node_id))
            elif node.state == "DEAD" and before != "DEAD":
                since = f" at {time.strftime('%H:%M:%S', time.localtime(node.state_since))}" \
                    if node.state_since else ""
                events.append(_event(snapshot.time, "node_died",
                                     f"node {_node_name(node)} died{since}", node.node_id))
        _forget_oldest(self._node_state)
        return events

    def _actor_changes(self, snapshot: Snapshot, first: bool) -> list[Event]:
        """Deaths of actors seen alive, or first seen dead after the first poll (an
        actor can start and die between two polls) unless the list was cut."""
        events = []
        complete = not snapshot.actors_list.truncated
        for actor in snapshot.actors:
            before = self._actor_state.pop(actor.actor_id, None)
            self._actor_state[actor.actor_id] = actor.state  # re-inserted: newest last
            if actor.state != "DEAD" or before == "DEAD" or first:
                continue
            if before is not None or complete:
                events.append(_actor_died(snapshot.time, actor))
        _forget_oldest(self._actor_state)
        return events

    def _failed_tasks(self, snapshot: Snapshot, first: bool) -> list[Event]:
        """Failures that ended after the log started (older ones are history, not news:
        the failed list arrives some polls after the first snapshot); one without an
        end time is news unless the first poll listed it."""
        events = []
        assert self._started is not None
        for task in snapshot.tasks.failed:
            if task.task_id in self._failed_seen:
                continue
            self._failed_seen[task.task_id] = None
            ended = task.end_time_ms / 1000 if task.end_time_ms is not None else None
            if (ended is None and first) or (ended is not None and ended < self._started - 1.0):
                continue
            error = task.error_type or "failed"
            message = f"task {task.name} failed: {error}"
            if task.error_message:
                message += f": {first_line(task.error_message, 200)}"
            events.append(_event(snapshot.time, "task_failed", message, task.task_id,
                                 task.error_message or ""))
        _forget_oldest(self._failed_seen)
        return events


# --- small builders ----------------------------------------------------------


def _event(at: float, kind: str, message: str, subject: str = "", detail: str = "",
           duration_s: float | None = None) -> Event:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r} (one of {', '.join(EVENT_KINDS)})")
    return Event(time=at, kind=kind, message=message, subject=subject, detail=detail,
                 duration_s=duration_s)


def _actor_died(at: float, actor: Actor) -> Event:
    who = f"{actor.class_name} {actor.name or actor.actor_id[:8]}".strip()
    cause = first_line(actor.death_cause, 200) or "no cause reported"
    return _event(at, "actor_died", f"actor {who} died: {cause}", actor.actor_id,
                  actor.death_cause or "")


def _node_name(node: Node) -> str:
    return f"{node.node_id[:8]} ({node.ip})" if node.ip else node.node_id[:8]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _forget_oldest(remembered: dict[str, Any]) -> None:
    while len(remembered) > MAX_REMEMBERED:
        del remembered[next(iter(remembered))]
