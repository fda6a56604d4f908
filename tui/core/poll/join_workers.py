"""Each node's workers, joined by (node_id, pid): the worker half of `join.py`.

A worker's CPU/memory come from psutil on the nodes of this machine, from its node's
`/nodes/{id}` answer elsewhere (with `figures_at` the time that answer was asked), or
are unknown; see `join.py`'s docstring. The work is done per node: a remote node whose
inputs are those of the last poll (mostly the very same objects) keeps its
`NodeWorkers`, so a poll at 1,000 nodes rebuilds the 16 nodes whose `/nodes/{id}` came
in, not 16,000 workers. (When a worker carried its figures' age, every node's age
stepped every 5 s: 3,200 workers were built again a poll, and the History kept each.)
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from tui.core.model import FIGURES_STEP_S, Actor, Task, TaskRef, Worker
from tui.core.sources.dashboard import NodeStats, ProcessStats
from tui.core.sources.state_api import WorkerRow

if TYPE_CHECKING:
    from tui.core.poll.join import Answers

AGE_STEP_S = FIGURES_STEP_S  # Ray's agent samples a node's processes every 5 s
WorkerKey = tuple[str, int]  # (node_id, pid): plain tuples, hashed in C


class NodeInputs(NamedTuple):
    """What one node's workers are built from (compared with == : identity first)."""

    rows: tuple[WorkerRow, ...]
    processes: Mapping[int, ProcessStats] | None  # its /nodes/{id} answer
    asked_at: float | None  # when that answer was asked (epoch s)
    tasks: tuple[Task, ...] | None  # the running tasks on it
    actors: tuple[tuple[int, str], ...] | None  # (pid, actor id) of its alive actors


@dataclass(frozen=True)
class NodeWorkers:
    """One node's joined workers, and what they were built from."""

    inputs: NodeInputs
    workers: tuple[Worker, ...]
    built: Mapping[int, tuple[tuple[object, ...], Worker]]  # pid -> (its inputs, Worker)
    with_figures: Mapping[int, Worker]  # pid -> Worker: actors' workers with known figures


def rows_of_nodes(rows: Sequence[WorkerRow], node_stats: Mapping[str, NodeStats],
                  previous: Mapping[str, tuple[WorkerRow, ...]] | None = None,
                  ) -> dict[str, tuple[WorkerRow, ...]]:
    """The state API's worker rows by node, in node id order, each node's by pid; when
    the list was cut, completed by the workers only the raylets listed (`node_stats`).
    A node whose rows are equal to `previous`'s keeps that very tuple."""
    by_node: dict[str, list[WorkerRow]] = {}
    for row in rows:
        by_node.setdefault(row.node_id, []).append(row)
    for node_id, stats in node_stats.items():
        listed = by_node.setdefault(node_id, [])
        known = {r.pid for r in listed}
        listed += [WorkerRow(w.worker_id, w.pid, node_id, w.worker_type, "")
                   for w in stats.workers if w.pid not in known]
    last = previous or {}
    grouped = {}
    for node_id in sorted(by_node):
        node_rows = tuple(sorted(by_node[node_id], key=_by_pid))
        if not node_rows:
            continue
        kept = last.get(node_id)
        grouped[node_id] = kept if kept == node_rows else node_rows
    return grouped


def complete_worker_rows(rows: Sequence[WorkerRow], node_stats: Mapping[str, NodeStats],
                         ) -> list[WorkerRow]:
    """The cut state-API list plus the workers only the raylets listed."""
    return list(itertools.chain.from_iterable(rows_of_nodes(rows, node_stats).values()))


def join_workers(answers: Answers, rows_by_node: Mapping[str, tuple[WorkerRow, ...]],
                 tasks_by_node: Mapping[str, tuple[Task, ...]],
                 actors_by_node: Mapping[str, tuple[tuple[int, str], ...]],
                 dead_nodes: Collection[str] = (),
                 previous: Mapping[str, NodeWorkers] | None = None) -> dict[str, NodeWorkers]:
    """Each node's workers, in node order. A remote node whose inputs are those of the
    last poll keeps its `NodeWorkers`; within a node, a worker whose inputs did not
    change is the same object."""
    last_nodes = previous or {}
    joined = {}
    for node_id, rows in rows_by_node.items():
        if node_id in dead_nodes:
            continue  # Ray marked its node dead: its processes are gone with it
        remote = answers.node_processes.get(node_id)
        local = node_id in answers.local_nodes
        inputs = NodeInputs(rows, remote.processes if remote else None,
                            remote.asked_at if remote else None,
                            tasks_by_node.get(node_id), actors_by_node.get(node_id))
        last = last_nodes.get(node_id)
        if last is not None and not local and last.inputs == inputs:
            joined[node_id] = last
        else:
            joined[node_id] = _join_node_workers(answers, inputs, local,
                                                 last.built if last else {})
    return joined


def _join_node_workers(answers: Answers, inputs: NodeInputs, local: bool,
                       built_before: Mapping[int, tuple[tuple[object, ...], Worker]],
                       ) -> NodeWorkers:
    remote_processes = inputs.processes or {}
    task_by_pid = {t.worker_pid: t for t in inputs.tasks or ()}
    actor_by_pid = dict(inputs.actors or ())
    built: dict[int, tuple[tuple[object, ...], Worker]] = {}
    workers = []
    for row in inputs.rows:
        if local and row.pid == answers.own_pid:
            continue  # the monitor itself (see the module docstring)
        stat, source, asked_at = answers.sampled.get(row.pid) if local else None, "psutil", None
        if stat is None:
            stat = remote_processes.get(row.pid)
            source, asked_at = ("dashboard", inputs.asked_at) if stat else ("none", None)
        task = task_by_pid.get(row.pid)
        actor_id = actor_by_pid.get(row.pid)
        task_key = (task.task_id, task.name, task.actor_id) if task else None
        worker_inputs = (row, stat, source, asked_at, task_key, actor_id)
        last = built_before.get(row.pid)
        if last is not None and last[0] == worker_inputs:
            worker = last[1]
        else:
            # the same task as before: the same TaskRef (one less object kept a poll)
            ref = (last[1].running_task if last is not None and last[0][4] == task_key
                   else TaskRef(*task_key) if task_key else None)
            worker = _worker(row, stat, source, asked_at, ref, actor_id)
        built[row.pid] = (worker_inputs, worker)
        workers.append(worker)
    return NodeWorkers(inputs, tuple(workers), built,
                       {w.pid: w for w in workers
                        if w.actor_id is not None and w.cpu_source != "none"})


def tasks_by_node(running: Sequence[Task]) -> dict[str, tuple[Task, ...]]:
    by_node: dict[str, list[Task]] = {}
    for task in running:
        if task.worker_pid:
            by_node.setdefault(task.node_id or "", []).append(task)
    return {node_id: tuple(tasks) for node_id, tasks in by_node.items()}


def actors_by_node(actors: Sequence[Actor]) -> dict[str, tuple[tuple[int, str], ...]]:
    by_node: dict[str, list[tuple[int, str]]] = {}
    for actor in actors:
        if actor.pid and actor.state == "ALIVE":
            by_node.setdefault(actor.node_id or "", []).append((actor.pid, actor.actor_id))
    return {node_id: tuple(pairs) for node_id, pairs in by_node.items()}


def _worker(row: WorkerRow, stat: ProcessStats | None, source: str, asked_at: float | None,
            task: TaskRef | None, actor_id: str | None) -> Worker:
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
        running_task=task,
        actor_id=actor_id,
        uss_bytes=stat.uss_bytes if stat else None,
        gpu_memory_bytes=stat.gpu_memory_bytes if stat else None,
        gpu_percent=stat.gpu_percent if stat else None,
        figures_at=asked_at,
    )


_by_pid = operator.attrgetter("pid")
