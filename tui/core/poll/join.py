"""Answers -> Snapshot: a pure join by (node_id, pid), over canned rows in tests.

- A worker's CPU/memory come from psutil on the nodes of this machine (`cpu_source`
  "psutil", age 0), from its node's `/nodes/{id}` answer elsewhere ("dashboard", with
  `figures_age_s` the age of that answer rounded up to Ray's 5 s sampling step: "at
  most this old"), or are unknown ("none": not reported yet, never 0 on purpose; the
  detectors ignore them).
- A worker whose inputs are the same as at the last poll is the same object
  (`join_and_keep`): at 16,000 workers, building them all again is most of a poll.
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
import math
import operator
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
    TaskRef,
    TaskSummary,
    Worker,
)
from tui.core.sources.dashboard import ClusterStatus, LogicalUsage, NodeStats, ProcessStats
from tui.core.sources.state_api import ROW_LIMIT, NodeRow, TaskCounts, WorkerRow


@dataclass(frozen=True)
class NodeProcesses:
    """One remote node's `/nodes/{id}` answer and how old it is."""

    processes: Mapping[int, ProcessStats]
    age_s: float = 0.0


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
    previous: WorkerMemo = field(default_factory=dict)  # the last poll's, to reuse


AGE_STEP_S = 5.0  # Ray's agent samples a node's processes every 5 s
WorkerMemo = Mapping[tuple[str, int], tuple[tuple[object, ...], Worker]]


def join(answers: Answers) -> Snapshot:
    return join_and_keep(answers)[0]


def join_and_keep(answers: Answers) -> tuple[Snapshot, WorkerMemo]:
    """The snapshot, and what the next poll's join may reuse (`Answers.previous`)."""
    dead_nodes = frozenset(r.node_id for r in answers.node_rows if r.state == "DEAD")
    workers_list = answers.workers_list
    cut = workers_list.returned >= ROW_LIMIT
    if cut:
        rows = complete_worker_rows(answers.worker_rows, answers.node_stats)
        answers = dataclasses.replace(answers, worker_rows=rows)
        # still "at most": a raylet lists the workers that ran something, not idle ones
        workers_list = ListInfo(max(workers_list.total, len(rows)), len(rows))
    memo: dict[tuple[str, int], tuple[tuple[object, ...], Worker]] = {}
    workers = join_workers(answers, dead_nodes, memo)
    usage = answers.cluster_status.usage_by_node if answers.cluster_status else {}
    nodes = tuple(join_node(row, answers.node_stats.get(row.node_id), usage.get(row.node_id),
                            answers.local_stats if row.node_id in answers.local_nodes else None)
                  for row in answers.node_rows)
    stats = {(w.node_id, w.pid): w for w in workers if w.cpu_source != "none"}
    return Snapshot(
        time=answers.time,
        status=answers.status,
        cluster=cluster_summary(nodes),
        nodes=nodes,
        workers=workers,
        tasks=task_summary(answers),
        actors=tuple(actor_with_stats(a, stats) for a in answers.actors),
        workers_list=workers_list,
        actors_list=answers.actors_list,
        workers_total_at_most=cut,
    ), memo


def complete_worker_rows(rows: Sequence[WorkerRow], node_stats: Mapping[str, NodeStats],
                         ) -> list[WorkerRow]:
    """The cut state-API list plus the workers only the raylets listed."""
    known = {(r.node_id, r.pid) for r in rows}
    extra = [WorkerRow(w.worker_id, w.pid, node_id, w.worker_type, "")
             for node_id, stats in node_stats.items() for w in stats.workers
             if (node_id, w.pid) not in known]
    return [*rows, *extra]


def join_workers(answers: Answers, dead_nodes: Collection[str] = (),
                 memo: dict[tuple[str, int], tuple[tuple[object, ...], Worker]] | None = None,
                 ) -> tuple[Worker, ...]:
    # keys are plain (node_id, pid) tuples here: 16,000 rows a poll, hashed several times
    local_nodes = answers.local_nodes
    task_by_worker = {(t.node_id or "", t.worker_pid): t for t in answers.running if t.worker_pid}
    actor_by_worker = {(a.node_id or "", a.pid): a.actor_id for a in answers.actors
                       if a.pid and a.state == "ALIVE"}
    previous = answers.previous
    workers = []
    for row in sorted(answers.worker_rows, key=_by_node_and_pid):
        if row.node_id in dead_nodes:
            continue  # Ray marked its node dead: its processes are gone with it
        local = row.node_id in local_nodes
        if local and row.pid == answers.own_pid:
            continue  # the monitor itself (see the module docstring)
        key = (row.node_id, row.pid)
        stat, source, age = answers.sampled.get(row.pid) if local else None, "psutil", 0.0
        if stat is None:
            remote = answers.node_processes.get(row.node_id)
            stat = remote.processes.get(row.pid) if remote else None
            source, age = ("dashboard", remote.age_s) if stat and remote else ("none", 0.0)
        task = task_by_worker.get(key)
        if age:
            age = AGE_STEP_S * math.ceil(age / AGE_STEP_S)
        actor_id = actor_by_worker.get(key)
        inputs = (row.worker_id, row.worker_type, stat, source, age,
                  (task.task_id, task.name, task.actor_id) if task else None, actor_id)
        last = previous.get(key)
        if last is not None and last[0] == inputs:
            worker = last[1]
        else:
            worker = _worker(row, stat, source, age, task, actor_id)
        if memo is not None:
            memo[key] = (inputs, worker)
        workers.append(worker)
    return tuple(workers)


def _worker(row: WorkerRow, stat: ProcessStats | None, source: str, age: float,
            task: Task | None, actor_id: str | None) -> Worker:
    return Worker(
        pid=row.pid,
        node_id=row.node_id,
        worker_id=row.worker_id,
        worker_type=row.worker_type,
        title=stat.title if stat else "",
        cpu_percent=stat.cpu_percent if stat else 0.0,
        rss_bytes=stat.rss_bytes if stat else 0,
        cpu_source="psutil" if source == "psutil" else
        "dashboard" if source == "dashboard" else "none",
        running_task=TaskRef(task.task_id, task.name, task.actor_id) if task else None,
        actor_id=actor_id,
        uss_bytes=stat.uss_bytes if stat else None,
        gpu_memory_bytes=stat.gpu_memory_bytes if stat else None,
        gpu_percent=stat.gpu_percent if stat else None,
        figures_age_s=age,
    )


_by_node_and_pid = operator.attrgetter("node_id", "pid")


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


def task_summary(answers: Answers) -> TaskSummary:
    counts = answers.counts
    by_state = dict(counts.by_state) if counts else {}
    partial = bool(counts and counts.partial)
    running, failed = tuple(answers.running), tuple(answers.failed)
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


def actor_with_stats(actor: Actor, workers: Mapping[tuple[str, int], Worker]) -> Actor:
    """An alive actor's figures are its worker's (none on a dead node: its workers left)."""
    if actor.state != "ALIVE":
        return actor
    worker = workers.get((actor.node_id or "", actor.pid or 0))
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
