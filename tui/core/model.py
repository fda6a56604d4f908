"""The immutable picture of a cluster at one poll.

Everything the panels and the headless commands show comes from one `Snapshot`.
All classes are frozen dataclasses so a snapshot can be handed between threads
without copies, and `to_json`/`snapshot_from_json` give a stable JSON form
(used by `raytui snapshot --json`, `watch --jsonl` and record/replay).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]
CpuSource = Literal["psutil", "dashboard", "none"]


@dataclass(frozen=True)
class Status:
    """Whether the poll reached the cluster, and what went wrong if not."""

    connected: bool
    address: str = ""
    errors: tuple[str, ...] = ()
    poll_ms: float = 0.0
    # parts served from an earlier answer (asked every few seconds): their age
    answer_age_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ListInfo:
    """How many rows the state API holds vs how many this poll received."""

    total: int = 0
    returned: int = 0

    @property
    def truncated(self) -> bool:
        return self.returned < self.total


@dataclass(frozen=True)
class ClusterSummary:
    nodes_alive: int = 0
    nodes_total: int = 0
    cpus_total: float = 0.0  # logical CPUs (Ray resources)
    cpus_used: float = 0.0  # logical CPUs currently allocated
    cpu_percent: float = 0.0  # measured, averaged over alive nodes, 0..100
    memory_used_bytes: int = 0
    memory_total_bytes: int = 0
    object_store_used_bytes: int = 0
    object_store_total_bytes: int = 0


@dataclass(frozen=True)
class Node:
    node_id: str
    ip: str = ""
    hostname: str = ""
    is_head: bool = False
    state: str = "ALIVE"
    cpus_total: float = 0.0
    cpus_used: float = 0.0
    cpu_percent: float = 0.0  # measured, 0..100 of the whole node
    memory_used_bytes: int = 0
    memory_total_bytes: int = 0
    object_store_used_bytes: int = 0
    object_store_total_bytes: int = 0


@dataclass(frozen=True)
class TaskRef:
    """The task a worker is running right now."""

    task_id: str
    name: str  # function name, or Class.method for actor tasks
    actor_id: str | None = None


@dataclass(frozen=True)
class Worker:
    pid: int
    node_id: str
    worker_id: str = ""
    worker_type: str = "WORKER"  # WORKER or DRIVER
    title: str = ""  # process title, e.g. "ray::fibonacci_distributed" or "ray::IDLE"
    cpu_percent: float = 0.0  # of one core (100 = one core busy), like top
    rss_bytes: int = 0
    cpu_source: CpuSource = "none"
    running_task: TaskRef | None = None
    actor_id: str | None = None


@dataclass(frozen=True)
class TaskGroup:
    """Counts of one function's tasks by state."""

    name: str
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


@dataclass(frozen=True)
class Task:
    task_id: str
    name: str
    state: str
    node_id: str | None = None
    worker_pid: int | None = None
    actor_id: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    start_time_ms: int | None = None
    end_time_ms: int | None = None


@dataclass(frozen=True)
class TaskSummary:
    by_state: dict[str, int] = field(default_factory=dict)
    by_function: tuple[TaskGroup, ...] = ()
    running: tuple[Task, ...] = ()
    failed: tuple[Task, ...] = ()
    running_list: ListInfo = ListInfo()
    failed_list: ListInfo = ListInfo()
    # by_state/by_function are refreshed in the background (Ray takes seconds to
    # summarize many thousands of tasks): how old they are at this poll.
    counts_age_s: float = 0.0


@dataclass(frozen=True)
class Actor:
    actor_id: str
    class_name: str
    state: str
    name: str = ""
    pid: int | None = None
    node_id: str | None = None
    num_restarts: int = 0
    death_cause: str | None = None
    cpu_percent: float | None = None
    rss_bytes: int | None = None


@dataclass(frozen=True)
class Flag:
    kind: str  # saturated | uneven | idle_while_pending | logical_physical_gap | ...
    severity: Severity
    subjects: tuple[str, ...]  # node ids and/or worker pids (as strings)
    message: str  # one line
    explanation: str = ""  # a paragraph for learners


@dataclass(frozen=True)
class Snapshot:
    time: float
    status: Status
    cluster: ClusterSummary = ClusterSummary()
    nodes: tuple[Node, ...] = ()
    workers: tuple[Worker, ...] = ()
    tasks: TaskSummary = TaskSummary()
    actors: tuple[Actor, ...] = ()
    flags: tuple[Flag, ...] = ()
    workers_list: ListInfo = ListInfo()
    actors_list: ListInfo = ListInfo()


# --- JSON form -------------------------------------------------------------


def to_json(obj: Any) -> Any:
    """A plain-JSON form of any model object (tuples become lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


def snapshot_from_json(data: dict[str, Any]) -> Snapshot:
    """Rebuild a Snapshot from `to_json` output; unknown keys are ignored."""
    return _build(Snapshot, data)


def _build(cls: Any, data: Any) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        (item_hint, *_rest) = typing.get_args(hint)
        return tuple(_convert(item_hint, v) for v in value)
    if origin is dict:
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    return value
