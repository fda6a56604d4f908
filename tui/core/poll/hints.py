"""What one poll saw that tells the next what it may skip: pure functions.

`next_hints(last, seen)` turns a poll's joined picture into `Hints`: whether it was
quiet (the next poll may skip the running-task scan), which slots must be asked
again at once (`changed`), which nodes need the dashboard for their workers'
figures (`remote_nodes`), and whether tasks moved (the task summary's trigger).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tui.core.model import Actor, Task, Worker
from tui.core.poll.slots import SlotName
from tui.core.sources.dashboard import ProcessStats
from tui.core.sources.state_api import NodeRow

# A worker above this share of a core has worked since the last poll; an idle Ray
# worker uses about 0.5 %.
WORKED_CPU_PERCENT = 5.0


@dataclass(frozen=True)
class Hints:
    quiet: bool = False  # no running task, and every worker seen idle by psutil
    nodes: frozenset[str] = frozenset()  # alive node ids
    # workers by (node_id, pid): plain tuples, 16,000 of them hashed every poll
    worker_keys: frozenset[tuple[str, int]] | None = None  # None: not seen yet
    titles: Mapping[tuple[str, int], str] = field(default_factory=dict)
    local_pids: tuple[int, ...] = ()  # workers psutil samples (at the next poll's start)
    local_task_pids: Mapping[int, str | None] = field(default_factory=dict)  # -> actor class
    remote_nodes: frozenset[str] = frozenset()  # nodes whose workers need /nodes/{id}
    tasks_moved: bool = True
    failed_count: int | None = None
    failed_count_changed: bool = True
    changed: frozenset[SlotName] = frozenset()  # ask these again at the next poll
    workers_cut: bool = False  # Ray cut the worker list at 10,000 rows: a big cluster


@dataclass(frozen=True)
class Seen:
    """The parts of one poll `next_hints` reads."""

    node_rows: Sequence[NodeRow]
    local_nodes: frozenset[str]
    workers: Sequence[Worker]
    running: Sequence[Task]
    actors: Sequence[Actor]
    by_state: Mapping[str, int]
    workers_cut: bool = False


def next_hints(last: Hints, seen: Seen) -> Hints:
    alive_nodes = frozenset(r.node_id for r in seen.node_rows if r.state == "ALIVE")
    workers = seen.workers
    titles = {(w.node_id, w.pid): w.title for w in workers}
    keys = frozenset(titles)
    local = seen.local_nodes
    actor_class = {(a.node_id or "", a.pid or 0): a.class_name
                   for a in seen.actors if a.state == "ALIVE" and a.node_id in local}
    task_workers = [w for w in workers if w.worker_type != "DRIVER"]  # drivers run no task
    local_task_pids = {w.pid: actor_class.get((w.node_id, w.pid)) for w in task_workers
                       if w.node_id in local}
    quiet = (not seen.running and bool(alive_nodes) and alive_nodes <= seen.local_nodes
             and all(w.cpu_source == "psutil" and w.pid in local_task_pids
                     and idle_title(w.title, local_task_pids[w.pid]) for w in task_workers))
    workers_changed = keys != last.worker_keys
    known_actors = {a.actor_id for a in seen.actors}
    changed: set[SlotName] = set()
    if (workers_changed  # an actor starts or dies with its worker process...
            or any(t.actor_id and t.actor_id not in known_actors for t in seen.running)
            or any(maybe_new_actor(w, local_task_pids) for w in task_workers)):
        changed.add("actors")
    if workers_changed:
        changed.add("nodes")  # a node that died took its workers along
    if alive_nodes != last.nodes:
        changed.update(("node_stats", "cluster_status"))
    failed_count = seen.by_state.get("FAILED")
    return Hints(
        quiet=quiet,
        nodes=alive_nodes,
        worker_keys=keys,
        titles=titles,
        local_pids=tuple(w.pid for w in workers if w.node_id in seen.local_nodes),
        local_task_pids=local_task_pids,
        remote_nodes=frozenset(w.node_id for w in workers if w.cpu_source != "psutil"
                               and (w.node_id in alive_nodes or not seen.node_rows)),
        tasks_moved=(bool(seen.running) or workers_changed or titles != last.titles
                     or any(w.cpu_percent >= WORKED_CPU_PERCENT for w in task_workers)),
        failed_count=failed_count,
        failed_count_changed=failed_count != last.failed_count,
        changed=frozenset(changed),
        workers_cut=seen.workers_cut,
    )


def tasks_may_run(last: Hints, sampled: Mapping[int, ProcessStats]) -> bool:
    """After a quiet poll: False when this poll sees that no task runs anywhere.

    Listing the running tasks makes Ray's GCS scan every task it holds (about 0.1 s of
    its CPU for 10,000 tasks), so an idle cluster is not asked. It is idle when the last
    poll saw no running task and every node's workers are on this machine, and psutil
    now shows each of them idle: Ray titles a worker `ray::IDLE`, or `ray::Class` for
    an actor between calls, and retitles it the moment a task starts. A worker that
    started since the last poll is seen by the next one.
    """
    for pid, actor_class in last.local_task_pids.items():
        stat = sampled.get(pid)
        if stat is None or not idle_title(stat.title, actor_class):
            return True
    return False


def maybe_new_actor(worker: Worker, local_task_pids: Mapping[int, str | None]) -> bool:
    """...or takes an idle worker, which is then titled `ray::Class` and runs no task."""
    return (worker.cpu_source == "psutil" and worker.running_task is None
            and local_task_pids.get(worker.pid) is None and worker.title.startswith("ray::")
            and not idle_title(worker.title, None))


def idle_title(title: str, actor_class: str | None) -> bool:
    """Whether a worker's process title says it runs nothing now."""
    if title.startswith("ray::IDLE"):
        return True
    return actor_class is not None and title == f"ray::{actor_class}"
