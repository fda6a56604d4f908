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
class NodeSeen:
    """What the hints need of one node's workers, kept while they are the same object
    (the join keeps an unchanged node's tuple): at 1,000 nodes most are, each poll."""

    workers: Sequence[Worker]  # what this was read from
    titles: tuple[tuple[int, str], ...]  # (pid, title) of each worker, in order
    remote: bool  # some worker's figures are not psutil's here: it needs /nodes/{id}
    worked: bool  # some task worker above WORKED_CPU_PERCENT


@dataclass(frozen=True)
class ListsRead:
    """What `next_hints` read of the actor and running-task lists, kept while the lists
    are the same objects."""

    actors: object = None
    local: frozenset[str] = frozenset()
    actor_class: Mapping[tuple[str, int], str] = field(default_factory=dict)
    known_actors: frozenset[str] = frozenset()
    running: object = None
    unknown_actor_runs: bool = False


@dataclass(frozen=True)
class Hints:
    quiet: bool = False  # no running task, and every worker seen idle by psutil
    nodes: frozenset[str] = frozenset()  # alive node ids
    seen_nodes: Mapping[str, NodeSeen] | None = None  # by node id; None: not seen yet
    local_pids: tuple[int, ...] = ()  # workers psutil samples (at the next poll's start)
    local_task_pids: Mapping[int, str | None] = field(default_factory=dict)  # -> actor class
    remote_nodes: frozenset[str] = frozenset()  # nodes whose workers need /nodes/{id}
    tasks_moved: bool = True
    failed_count: int | None = None
    failed_count_changed: bool = True
    changed: frozenset[SlotName] = frozenset()  # ask these again at the next poll
    workers_cut: bool = False  # Ray cut the worker list at 10,000 rows: a big cluster
    read: ListsRead = ListsRead()

    @property
    def worker_keys(self) -> frozenset[tuple[str, int]] | None:
        """The workers seen, by (node_id, pid); None: not seen yet."""
        if self.seen_nodes is None:
            return None
        return frozenset((node_id, pid) for node_id, node in self.seen_nodes.items()
                         for pid, _title in node.titles)


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
    # `workers` by node (the join's tuples), when the caller has them: the same tuple
    # as at the last poll is not read again
    by_node: Mapping[str, Sequence[Worker]] | None = None


def next_hints(last: Hints, seen: Seen) -> Hints:
    alive_nodes = frozenset(r.node_id for r in seen.node_rows if r.state == "ALIVE")
    by_node = seen.by_node if seen.by_node is not None else _by_node(seen.workers)
    last_nodes = last.seen_nodes
    seen_nodes: dict[str, NodeSeen] = {}
    workers_changed = last_nodes is None or by_node.keys() != last_nodes.keys()
    titles_changed = False
    for node_id, workers in by_node.items():
        before = last_nodes.get(node_id) if last_nodes is not None else None
        if before is not None and before.workers is workers:
            seen_nodes[node_id] = before
            continue
        now = _node_seen(workers)
        seen_nodes[node_id] = now
        if before is None or now.titles != before.titles:
            titles_changed = True
            workers_changed = workers_changed or before is None or (
                {pid for pid, _ in now.titles} != {pid for pid, _ in before.titles})
    local = seen.local_nodes
    local_workers = [w for node_id in local for w in by_node.get(node_id, ())]
    # read again only when the lists are new objects (10,000 actors; most polls reuse them)
    if seen.actors is last.read.actors and local == last.read.local:
        actor_class, known_actors = last.read.actor_class, last.read.known_actors
    else:
        actor_class = {(a.node_id or "", a.pid or 0): a.class_name for a in seen.actors
                       if a.state == "ALIVE" and a.node_id in local} if local else {}
        known_actors = frozenset(a.actor_id for a in seen.actors)
    if seen.running is last.read.running and known_actors is last.read.known_actors:
        unknown_actor_runs = last.read.unknown_actor_runs
    else:
        unknown_actor_runs = any(t.actor_id and t.actor_id not in known_actors
                                 for t in seen.running)
    local_task_workers = [w for w in local_workers if w.worker_type != "DRIVER"]  # no tasks
    local_task_pids = {w.pid: actor_class.get((w.node_id, w.pid)) for w in local_task_workers}
    everything_here = bool(alive_nodes) and alive_nodes <= local
    quiet = (not seen.running and everything_here
             and all(w.node_id in local for w in seen.workers if w.worker_type != "DRIVER")
             and all(w.cpu_source == "psutil" and idle_title(w.title, local_task_pids[w.pid])
                     for w in local_task_workers))
    changed: set[SlotName] = set()
    if (workers_changed  # an actor starts or dies with its worker process...
            or unknown_actor_runs
            or any(maybe_new_actor(w, local_task_pids) for w in local_task_workers)):
        changed.add("actors")
    if workers_changed:
        changed.add("nodes")  # a node that died took its workers along
    if alive_nodes != last.nodes:
        changed.update(("node_stats", "cluster_status"))
    failed_count = seen.by_state.get("FAILED")
    return Hints(
        quiet=quiet,
        nodes=alive_nodes,
        seen_nodes=seen_nodes,
        local_pids=tuple(w.pid for w in local_workers),
        local_task_pids=local_task_pids,
        remote_nodes=frozenset(node_id for node_id, node in seen_nodes.items() if node.remote
                               and (node_id in alive_nodes or not seen.node_rows)),
        tasks_moved=(bool(seen.running) or workers_changed or titles_changed
                     or any(node.worked for node in seen_nodes.values())),
        failed_count=failed_count,
        failed_count_changed=failed_count != last.failed_count,
        changed=frozenset(changed),
        workers_cut=seen.workers_cut,
        read=ListsRead(seen.actors, local, actor_class, known_actors, seen.running,
                       unknown_actor_runs),
    )


def _by_node(workers: Sequence[Worker]) -> dict[str, tuple[Worker, ...]]:
    grouped: dict[str, list[Worker]] = {}
    for worker in workers:
        grouped.setdefault(worker.node_id, []).append(worker)
    return {node_id: tuple(group) for node_id, group in grouped.items()}


def _node_seen(workers: Sequence[Worker]) -> NodeSeen:
    return NodeSeen(
        workers=workers,
        titles=tuple((w.pid, w.title) for w in workers),
        remote=any(w.cpu_source != "psutil" for w in workers),
        worked=any(w.cpu_percent >= WORKED_CPU_PERCENT and w.worker_type != "DRIVER"
                   for w in workers),
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
