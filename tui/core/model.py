"""The immutable picture of a cluster at one poll.

Everything the panels and the headless commands show comes from one `Snapshot`.
All classes are frozen dataclasses so a snapshot can be handed between threads
without copies, and `to_json`/`snapshot_from_json` give a stable JSON form
(used by `raytui snapshot --json`, `watch --jsonl` and record/replay).

A worker, node or actor that did not change is the same object in the next poll's
snapshot (the collector keeps what it built), so a snapshot of 16,000 workers costs
its tuples, not 16,000 objects: nothing in them may depend on the poll. That is why a
worker carries the time its figures were taken (`Worker.figures_at`), not their age;
`Worker.figures_age_s` reads their age now (see `_FIGURES_AGE`). The classes held by
the thousand have `__slots__` (a third of the memory of a `__dict__`).
"""

from __future__ import annotations

import dataclasses
import math
import time
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]
# where a worker's CPU/memory figures came from; "none" means not reported yet (unknown)
CpuSource = Literal["psutil", "dashboard", "none"]
ConnectionPhase = Literal["starting", "connected", "stale", "disconnected", "failed"]
# Ray's agent samples a node's processes every 5 s: an age from the dashboard is said in
# those steps, rounded up ("at most this old")
FIGURES_STEP_S = 5.0


@dataclass(frozen=True, order=True)
class WorkerKey:
    """A worker's identity across the whole cluster: a pid alone is unique on one node only."""

    node_id: str
    pid: int

    def __str__(self) -> str:
        return f"{self.node_id[:8]}:{self.pid}"


@dataclass(frozen=True)
class Status:
    """Whether the poll reached the cluster, and what went wrong if not."""

    connected: bool
    address: str = ""
    errors: tuple[str, ...] = ()
    poll_ms: float = 0.0
    # parts served from an earlier answer (asked every few seconds): their age
    answer_age_s: dict[str, float] = field(default_factory=dict)
    # What the connection is doing (set by tui/core/supervise.py; None from a bare
    # Collector: then `connected` alone tells). `phase_since` is wall-clock time.
    phase: ConnectionPhase | None = None
    phase_since: float | None = None
    phase_message: str = ""
    cluster_id: str = ""  # the cluster's session name: a new one means a new cluster

    @property
    def current_phase(self) -> ConnectionPhase:
        if self.phase is not None:
            return self.phase
        return "connected" if self.connected else "disconnected"


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


@dataclass(frozen=True, slots=True)
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
    object_store_spilled_bytes: int = 0
    gpus_total: float = 0.0  # logical GPUs (Ray resources)
    gpus_used: float = 0.0  # logical GPUs currently allocated
    gpus: tuple[Gpu, ...] = ()  # measured devices, from Ray's agent on the node
    state_since: float | None = None  # epoch s of the last state change (e.g. when it died)
    figures_age_s: float = 0.0  # age of the measured figures (the dashboard's lag)
    # False while the measured CPU/memory figures are not reported yet: they are
    # unknown then (shown "-"), never 0, and no detector reads them
    figures_known: bool = True


@dataclass(frozen=True, slots=True)
class Gpu:
    """One GPU device of a node, as Ray's agent reports it."""

    index: int
    name: str = ""
    uuid: str = ""
    utilization_percent: float | None = None  # None: not reported
    memory_used_bytes: int = 0
    memory_total_bytes: int = 0


@dataclass(frozen=True, slots=True)
class TaskRef:
    """The task a worker is running right now."""

    task_id: str
    name: str  # function name, or Class.method for actor tasks
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
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
    uss_bytes: int | None = None  # unique set size, where reported
    gpu_memory_bytes: int | None = None  # GPU memory this process holds, where reported
    gpu_percent: float | None = None  # utilisation of the GPU(s) it uses, where reported
    gpus_allocated: float = 0.0  # logical GPUs its running task holds
    # How old the cpu/memory figures are (dashboard figures lag): with `figures_at`,
    # their age now, read (a property, see _FIGURES_AGE); without it, the age given
    # here (a recording, a test's worker; 0: this poll's own, psutil's)
    figures_age_s: float = field(default=0.0, compare=False)
    # epoch s when the figures were asked of Ray's agent; None: see figures_age_s
    figures_at: float | None = None

    @property
    def key(self) -> WorkerKey:
        return WorkerKey(self.node_id, self.pid)

    def figures_age_at(self, when: float) -> float:
        """How old the figures are at `when` (epoch s, e.g. a snapshot's time): in Ray's
        5 s sampling steps, rounded up (at most this old)."""
        if self.figures_at is None:
            given: float = _GIVEN_AGE.__get__(self)
            return given
        return figures_age(self.figures_at, when)


def figures_age(figures_at: float, when: float) -> float:
    """The age at `when` of figures asked at `figures_at`, in Ray's 5 s sampling steps,
    rounded up. Older figures are never younger: the oldest of many is that of the
    earliest `figures_at`, one call for a node's workers instead of one each."""
    return FIGURES_STEP_S * math.ceil(max(0.0, when - figures_at) / FIGURES_STEP_S)


# `Worker.figures_age_s` as a property over its own slot: the age of the figures now
# where their time is known, else the age it was given. The collector keeps a worker
# whose figures did not change as the same object from poll to poll, so it can hold no
# age (an age stepped every 5 s for every node: at 1,000 nodes 3,200 workers were built
# again a poll); readers (the panels, the JSON) still read `figures_age_s`, and tests
# and recordings still give one (`Worker(..., figures_age_s=3.0)`, the JSON key).
_GIVEN_AGE = Worker.__dict__["figures_age_s"]  # the slot


# The age a worker was given (one C call, for loops over every worker: the property is
# three Python calls); meaningful where `figures_at` is None.
given_figures_age: Callable[[Worker], float] = _GIVEN_AGE.__get__


def _figures_age_now(worker: Worker) -> float:
    return worker.figures_age_at(time.time())


def _give_age(worker: Worker, age: float) -> None:
    _GIVEN_AGE.__set__(worker, age)  # only the dataclass's own __init__ sets it


setattr(Worker, "figures_age_s", property(_figures_age_now, _give_age))  # noqa: B010


@dataclass(frozen=True)
class TaskGroup:
    """Counts of one function's tasks by state."""

    name: str
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


@dataclass(frozen=True, slots=True)
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
    # Ray summarises at most 10,000 tasks (the newest, mostly FINISHED): when it holds
    # more, by_state/by_function cover part of them only (RUNNING then comes from the
    # running list's own count), and counts_total says how many Ray holds.
    counts_partial: bool = False
    counts_total: int = 0


@dataclass(frozen=True, slots=True)
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
    kind: str  # one of tui.core.kinds.FLAG_KINDS
    severity: Severity
    message: str  # one line
    explanation: str = ""  # a paragraph for learners
    nodes: tuple[str, ...] = ()  # the node ids it is about
    workers: tuple[WorkerKey, ...] = ()  # the workers it is about

    def names_node(self, node_id: str) -> bool:
        return node_id in self.nodes

    def names_worker(self, key: WorkerKey) -> bool:
        return key in self.workers

    @property
    def key(self) -> str:
        """A stable identity across polls: the same kind about the same things."""
        about = ",".join([*self.nodes, *(f"{w.node_id}:{w.pid}" for w in self.workers)])
        return f"{self.kind}:{about}"

    def about_text(self) -> str:
        """Short names of what it is about, for one cell or line."""
        return ", ".join([*(n[:8] for n in self.nodes), *(f"pid {w.pid}" for w in self.workers)])


@dataclass(frozen=True)
class Event:
    """Something that happened: a flag raised or cleared, a run, a death, a failure."""

    time: float  # epoch seconds
    kind: str  # one of tui.core.kinds.EVENT_KINDS
    message: str  # one line
    subject: str = ""  # what it is about (flag key, node id, actor id, task id, ...)
    detail: str = ""  # longer text (an explanation, an error)
    duration_s: float | None = None  # how long it lasted (a cleared flag, an ended run)


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
    # workers_list.total is an upper bound, not a count: Ray cut its worker list, and its
    # count then includes the dead workers the GCS still keeps ("N of at most M")
    workers_total_at_most: bool = False
    events: tuple[Event, ...] = ()  # what happened since the previous poll (tui/core/events.py)


# --- JSON form -------------------------------------------------------------


def to_json(obj: Any) -> Any:
    """A plain-JSON form of any model object (tuples become lists). A snapshot's workers
    say their figures' age at its time (`figures_age_s`) beside `figures_at`."""
    if isinstance(obj, Snapshot):
        state = {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        for worker, data in zip(obj.workers, state["workers"], strict=True):
            data["figures_age_s"] = worker.figures_age_at(obj.time)
        return state
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


def snapshot_from_json(data: dict[str, Any]) -> Snapshot:
    """Rebuild a Snapshot from `to_json` output; unknown keys are ignored. A worker's
    figures keep the age written with its snapshot (`figures_age_s`), not one counted
    from `figures_at` to now: a replay shows them as old as they were."""
    snapshot: Snapshot = _build(Snapshot, data)
    if any(w.figures_at is not None for w in snapshot.workers):
        snapshot = dataclasses.replace(snapshot, workers=tuple(
            dataclasses.replace(w, figures_at=None, figures_age_s=_GIVEN_AGE.__get__(w))
            if w.figures_at is not None else w for w in snapshot.workers))
    return snapshot


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
