"""Answers -> Snapshot: a pure join by (node_id, pid), over canned rows in tests.

- A worker's CPU/memory come from psutil on the nodes of this machine (`cpu_source`
  "psutil", age 0), from its node's `/nodes/{id}` answer elsewhere ("dashboard", with
  `figures_at` the time that answer was asked: `Worker.figures_age_s` says their age
  now in Ray's 5 s sampling steps, "at most this old"), or are unknown ("none": not
  reported yet, never 0 on purpose; the detectors ignore them).
- The work of a join grows with what changed since the last poll, not with the
  cluster (`join_and_keep` hands the next poll a `JoinMemo`): a node whose inputs are
  the same keeps its workers (`join_workers.py`), a worker whose inputs are the same is
  the same object, and so are unchanged nodes and actors. At 16,000 workers, building
  them all again was most of a poll.
- A node Ray marks DEAD keeps its row, but its workers leave `workers`, and actors on
  it carry no figures (they would be frozen).
- The monitor's own driver (this process, when it attached with `ray.init`) is left out
  of `workers`: it is not doing the cluster's work. Other drivers stay, as "DRIVER".
- When Ray cuts its worker list (10,000 rows), the raylets' own lists of their workers
  (in `/nodes?view=summary`) complete it, and `workers_list` says how many are shown
  of at most how many (Ray's count includes dead workers).
- Task counts come from Ray's summary; when Ray holds more tasks than it summarises,
  they are marked partial and RUNNING is the running list's own count (see
  `tui/core/sources/state_api.py`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from tui.core.model import (
    Actor,
    ClusterSummary,
    ListInfo,
    Node,
    Snapshot,
    Status,
    Task,
    TaskSummary,
    Worker,
)
from tui.core.poll.join_workers import (
    NodeWorkers,
    actors_by_node,
    join_workers,
    rows_of_nodes,
    tasks_by_node,
)
from tui.core.sources.dashboard import ClusterStatus, LogicalUsage, NodeStats, ProcessStats
from tui.core.sources.state_api import ROW_LIMIT, NodeRow, TaskCounts, WorkerRow


@dataclass(frozen=True)
class NodeProcesses:
    """One remote node's `/nodes/{id}` answer and when it was asked (epoch s): the same
    object from one poll to the next until a new answer comes."""

    processes: Mapping[int, ProcessStats]
    asked_at: float = 0.0


@dataclass(frozen=True)
class Answers:
    """Everything one poll has to show (fresh or earlier answers), and its status."""

    time: float  # epoch seconds of the poll
    status: Status
    worker_rows: Sequence[WorkerRow] = ()
    workers_list: ListInfo = ListInfo()
    node_rows: Sequence[NodeRow] = ()
    running: Sequence[Task] = ()
    running_list: ListInfo = ListInfo()
    actors: Sequence[Actor] = ()
    actors_list: ListInfo = ListInfo()
    counts: TaskCounts | None = None
    counts_age_s: float = 0.0
    failed: Sequence[Task] = ()
    failed_list: ListInfo = ListInfo()
    node_stats: Mapping[str, NodeStats] = field(default_factory=dict)
    cluster_status: ClusterStatus | None = None
    local_nodes: frozenset[str] = frozenset()
    local_stats: NodeStats | None = None  # psutil's view of this machine
    sampled: Mapping[int, ProcessStats] = field(default_factory=dict)  # psutil, by pid
    node_processes: Mapping[str, NodeProcesses] = field(default_factory=dict)
    own_pid: int = 0
    previous: JoinMemo = field(default_factory=lambda: JoinMemo())  # the last poll's, to reuse


NodeRowInputs = tuple[NodeRow, NodeStats | None, LogicalUsage | None, NodeStats | None]


@dataclass(frozen=True)
class JoinMemo:
    """What one join hands the next (`Answers.previous`), so that the work of a poll
    grows with what changed, not with the cluster: at 1,000 nodes a poll brings a new
    `/nodes/{id}` for 16 of them, and most other answers are the very same objects as
    at the last poll (a slot's answer is kept until it is asked again, and a source
    hands back the same object for the same body)."""

    rows_from: tuple[object, object] = (None, None)  # (worker_rows, node_stats) grouped
    rows_by_node: Mapping[str, tuple[WorkerRow, ...]] = field(default_factory=dict)
    tasks_from: object = None
    tasks_by_node: Mapping[str, tuple[Task, ...]] = field(default_factory=dict)
    actors_from: object = None
    actors_by_node: Mapping[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    nodes: Mapping[str, NodeWorkers] = field(default_factory=dict)
    node_rows: NodesJoined = field(default_factory=lambda: NodesJoined())
    running: tuple[Task, ...] = ()  # the snapshot's tuple of `tasks_from`
    actors: ActorsJoined = field(default_factory=lambda: ActorsJoined())


@dataclass(frozen=True)
class NodesJoined:
    """The nodes, their summary, and what they were joined from (by identity: the node
    rows, the node summary, cluster_status, and psutil's view of this machine)."""

    joined_from: tuple[object, ...] | None = None
    local_nodes: frozenset[str] = frozenset()
    by_id: Mapping[str, tuple[NodeRowInputs, Node]] = field(default_factory=dict)
    nodes: tuple[Node, ...] = ()
    summary: ClusterSummary = ClusterSummary()


@dataclass(frozen=True)
class ActorsJoined:
    """The actors with their workers' figures, from the list `joined_from`; `at`: the
    positions of each node's alive actors in it."""

    joined_from: object = None
    actors: tuple[Actor, ...] = ()
    at: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def join(answers: Answers) -> Snapshot:
    return join_and_keep(answers)[0]


def join_and_keep(answers: Answers) -> tuple[Snapshot, JoinMemo]:
    """The snapshot, and what the next poll's join may reuse (`Answers.previous`)."""
    previous = answers.previous
    dead_nodes = frozenset(r.node_id for r in answers.node_rows if r.state == "DEAD")
    workers_list = answers.workers_list
    cut = workers_list.returned >= ROW_LIMIT
    rows_from = (answers.worker_rows, answers.node_stats if cut else None)
    if rows_from[0] is previous.rows_from[0] and rows_from[1] is previous.rows_from[1]:
        rows_by_node = previous.rows_by_node
    else:
        rows_by_node = rows_of_nodes(answers.worker_rows, answers.node_stats if cut else {},
                                     previous.rows_by_node)
    if cut:
        # still "at most": a raylet lists the workers that ran something, not idle ones
        shown = sum(map(len, rows_by_node.values()))
        workers_list = ListInfo(max(workers_list.total, shown), shown)
    tasks = (previous.tasks_by_node if answers.running is previous.tasks_from
             else tasks_by_node(answers.running))
    actors_on = (previous.actors_by_node if answers.actors is previous.actors_from
                 else actors_by_node(answers.actors))
    nodes_workers = join_workers(answers, rows_by_node, tasks, actors_on, dead_nodes,
                                 previous.nodes)
    workers = tuple(itertools.chain.from_iterable(n.workers for n in nodes_workers.values()))
    nodes = _join_nodes(answers, previous.node_rows)
    running = (previous.running if answers.running is previous.tasks_from
               else tuple(answers.running))
    actors = _join_actors(answers.actors, nodes_workers, previous.actors, previous.nodes)
    return Snapshot(
        time=answers.time,
        status=answers.status,
        cluster=nodes.summary,
        nodes=nodes.nodes,
        workers=workers,
        tasks=task_summary(answers, running),
        actors=actors.actors,
        workers_list=workers_list,
        actors_list=answers.actors_list,
        workers_total_at_most=cut,
    ), JoinMemo(rows_from, rows_by_node, answers.running, tasks, answers.actors, actors_on,
                nodes_workers, nodes, running, actors)


def _join_nodes(answers: Answers, previous: NodesJoined) -> NodesJoined:
    """The nodes; all of them as at the last poll when their inputs are the very same
    objects (most polls: the node summary is asked every 5 s), else one by one."""
    local = answers.local_nodes
    joined_from = (answers.node_rows, answers.node_stats, answers.cluster_status,
                   answers.local_stats if local else None)
    if (previous.joined_from is not None and local == previous.local_nodes
            and all(a is b for a, b in zip(joined_from, previous.joined_from, strict=True))):
        return previous
    usage = answers.cluster_status.usage_by_node if answers.cluster_status else {}
    stats, last_by_id = answers.node_stats, previous.by_id
    by_id = {}
    nodes = []
    for row in answers.node_rows:
        node_id = row.node_id
        inputs: NodeRowInputs = (row, stats.get(node_id), usage.get(node_id),
                                 answers.local_stats if node_id in local else None)
        last = last_by_id.get(node_id)
        if (last is not None and last[0][0] is row and last[0][1] is inputs[1]
                and last[0][2] is inputs[2] and last[0][3] is inputs[3]):
            node = last[1]
        else:
            node = join_node(*inputs)
        by_id[node_id] = (inputs, node)
        nodes.append(node)
    return NodesJoined(joined_from, local, by_id, tuple(nodes), cluster_summary(nodes))


def join_node(row: NodeRow, stats: NodeStats | None, usage: LogicalUsage | None,
              local: NodeStats | None) -> Node:
    measured = local or stats  # psutil is fresh; the dashboard lags up to ~5 s
    return Node(
        node_id=row.node_id,
        ip=row.ip,
        hostname=(stats.hostname if stats and stats.hostname else row.hostname),
        is_head=row.is_head,
        state=row.state,
        cpus_total=usage.cpus_total if usage and usage.cpus_total else row.cpus_total,
        cpus_used=usage.cpus_used if usage else 0.0,
        cpu_percent=measured.cpu_percent if measured else 0.0,
        memory_used_bytes=measured.memory_used_bytes if measured else 0,
        memory_total_bytes=measured.memory_total_bytes if measured else row.memory_total_bytes,
        object_store_used_bytes=usage.object_store_used_bytes if usage else 0,
        object_store_total_bytes=(usage.object_store_total_bytes if usage
                                  else row.object_store_total_bytes),
        object_store_spilled_bytes=stats.spilled_bytes if stats else 0,
        gpus_total=usage.gpus_total if usage and usage.gpus_total else row.gpus_total,
        gpus_used=usage.gpus_used if usage else 0.0,
        gpus=stats.gpus if stats else (),
        state_since=row.state_since,
        figures_known=measured is not None,  # not reported yet: unknown, never 0
    )


def cluster_summary(nodes: Sequence[Node]) -> ClusterSummary:
    alive = [n for n in nodes if n.state == "ALIVE"]
    return ClusterSummary(
        nodes_alive=len(alive),
        nodes_total=len(nodes),
        cpus_total=sum(n.cpus_total for n in alive),
        cpus_used=sum(n.cpus_used for n in alive),
        cpu_percent=sum(n.cpu_percent for n in alive) / len(alive) if alive else 0.0,
        memory_used_bytes=sum(n.memory_used_bytes for n in alive),
        memory_total_bytes=sum(n.memory_total_bytes for n in alive),
        object_store_used_bytes=sum(n.object_store_used_bytes for n in alive),
        object_store_total_bytes=sum(n.object_store_total_bytes for n in alive),
    )


def task_summary(answers: Answers, running: tuple[Task, ...] | None = None) -> TaskSummary:
    """`running`: `answers.running` as a tuple, if the caller has it already."""
    counts = answers.counts
    by_state = dict(counts.by_state) if counts else {}
    partial = bool(counts and counts.partial)
    failed = tuple(answers.failed)
    running = tuple(answers.running) if running is None else running
    running_list = ListInfo(max(answers.running_list.total, len(running)), len(running))
    if partial:
        # Ray's summary saw the newest 10,000 rows only; its RUNNING count is not the
        # truth, the filtered list's total is (the GCS counts every match)
        by_state["RUNNING"] = running_list.total
    failed_total = max(answers.failed_list.total, by_state.get("FAILED", 0), len(failed))
    return TaskSummary(
        by_state=by_state,
        by_function=counts.by_function if counts else (),
        running=running,
        failed=failed,
        running_list=running_list,
        failed_list=ListInfo(failed_total, len(failed)),
        counts_age_s=answers.counts_age_s,
        counts_partial=partial,
        counts_total=counts.total if counts else 0,
    )


def _join_actors(actors: Sequence[Actor], nodes: Mapping[str, NodeWorkers],
                 previous: ActorsJoined, previous_nodes: Mapping[str, NodeWorkers],
                 ) -> ActorsJoined:
    """Each actor with its worker's figures. The same list as at the last poll: only the
    actors on nodes whose workers changed are joined again (16 nodes of 1,000 a poll,
    where going through 10,000 actors was a tenth of the monitor's CPU)."""
    if actors is previous.joined_from and previous.joined_from is not None:
        changed = [node_id for node_id in previous.at
                   if nodes.get(node_id) is not previous_nodes.get(node_id)]
        if not changed:
            return previous
        joined = list(previous.actors)
        for node_id in changed:
            for i in previous.at[node_id]:
                worker = _worker_of(actors[i], nodes)
                if worker is not _worker_of(actors[i], previous_nodes):  # else: as it was
                    joined[i] = _with_figures(actors[i], worker)
        return ActorsJoined(actors, tuple(joined), previous.at)
    at: dict[str, list[int]] = {}
    for i, actor in enumerate(actors):
        if actor.state == "ALIVE" and actor.node_id:
            at.setdefault(actor.node_id, []).append(i)
    return ActorsJoined(actors, tuple(_with_figures(a, _worker_of(a, nodes)) for a in actors),
                        {node_id: tuple(positions) for node_id, positions in at.items()})


def _worker_of(actor: Actor, nodes: Mapping[str, NodeWorkers]) -> Worker | None:
    """An alive actor's figures are its worker's (none on a dead node: its workers left)."""
    if actor.state != "ALIVE":
        return None
    node = nodes.get(actor.node_id or "")
    return node.with_figures.get(actor.pid or 0) if node else None


def _with_figures(actor: Actor, worker: Worker | None) -> Actor:
    if worker is None:
        return actor
    return dataclasses.replace(actor, cpu_percent=worker.cpu_percent, rss_bytes=worker.rss_bytes)


def local_node_ids(rows: Sequence[NodeRow], local_ips: Collection[str],
                   driver_node: str | None, forced: frozenset[str] | None = None,
                   ) -> frozenset[str]:
    """The nodes whose workers psutil samples here: `forced` if given, else the driver's
    node if it runs here, else one alive node on this host (the head first)."""
    if forced is not None:
        return forced
    here = [r for r in rows if r.ip in local_ips and r.state == "ALIVE"]
    if driver_node and any(r.node_id == driver_node for r in here):
        return frozenset({driver_node})
    # Several nodes on this host (ray.cluster_utils): psutil for one, the head if here.
    here.sort(key=lambda r: (not r.is_head, r.node_id))
    return frozenset({here[0].node_id}) if here else frozenset()
