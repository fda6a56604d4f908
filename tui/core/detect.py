"""Flag rules: pure functions of the recent history, with documented thresholds.

Each rule looks at a window of snapshots and returns at most a few `Flag`s; none
of them fires on a single poll, so a brief spike or one slow sample is ignored.
Windows are in seconds of snapshot time, so they mean the same at any interval.
Drivers (worker_type "DRIVER") never count as workers doing work.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.history import History
from tui.core.kinds import WAITING_FOR_NODE_STATES
from tui.core.model import Flag, Snapshot, Worker, WorkerKey


@dataclass(frozen=True)
class DetectParams:
    """Thresholds of the rules. CPU percents of a node are 0..100 of the whole node;
    of a worker, 100 means one core busy (like top)."""

    # saturated: node CPU >= saturated_cpu_percent on each of the last saturated_polls polls
    saturated_cpu_percent: float = 90.0
    saturated_polls: int = 3
    # uneven: over the last uneven_window_s seconds (at least uneven_min_polls polls),
    # at most max(1, logical CPUs * uneven_max_worker_fraction) workers carry
    # >= uneven_top_share of all worker CPU time, the busiest runs >= uneven_min_busy_percent
    # on average, >= uneven_min_free_cpus logical CPUs stay free on average, and tasks
    # keep coming (a task finished, or the busy worker ran more than one task).
    uneven_window_s: float = 6.0
    uneven_min_polls: int = 3
    uneven_top_share: float = 0.75
    uneven_max_worker_fraction: float = 0.25
    uneven_min_busy_percent: float = 50.0
    uneven_min_free_cpus: float = 1.0
    # idle_while_pending: on each of the last idle_polls polls, tasks wait for a node
    # and a node's CPU is below idle_cpu_percent.
    idle_polls: int = 3
    idle_cpu_percent: float = 25.0
    # logical_physical_gap: over gap_window_s (>= gap_min_polls polls, spanning at least
    # 80 % of the window), a node's Ray workers burn >= gap_cores more (or fewer) cores
    # on average than the CPUs Ray allocated there. The window is long because Ray
    # reports allocated CPUs with a lag of a few seconds.
    gap_window_s: float = 10.0
    gap_min_polls: int = 4
    gap_cores: float = 1.0


DEFAULT_PARAMS = DetectParams()


def detect(history: History, params: DetectParams = DEFAULT_PARAMS) -> list[Flag]:
    return [
        *saturated(history, params),
        *uneven(history, params),
        *idle_while_pending(history, params),
        *logical_physical_gap(history, params),
    ]


def saturated(history: History, params: DetectParams) -> list[Flag]:
    recent = history.last(params.saturated_polls)
    if len(recent) < params.saturated_polls or not all(s.status.connected for s in recent):
        return []
    cpu = [_cpu_by_node(s) for s in recent]  # dict lookups: 1,000 nodes, not 1,000²
    hot = [
        node.node_id for node in recent[-1].nodes
        if all(c.get(node.node_id, 0.0) >= params.saturated_cpu_percent for c in cpu)
    ]
    if not hot:
        return []
    lowest = min(c.get(n, 0.0) for c in cpu for n in hot)
    return [Flag(
        kind="saturated",
        severity="warning",
        nodes=tuple(hot),
        message=f"{_nodes_text(hot)} at {lowest:.0f}%+ CPU for {len(recent)} polls",
        explanation=(
            "Every core of this node is busy. Submitting more parallel tasks will not make "
            "the work finish sooner: they queue behind the running ones, and each task's "
            "share of the CPU shrinks. Add nodes, or make each task do less work."
        ),
    )]


def uneven(history: History, params: DetectParams) -> list[Flag]:
    window = history.window(params.uneven_window_s)
    if len(window) < params.uneven_min_polls:
        return []
    busy: dict[tuple[str, int], float] = {}
    tasks_seen: dict[tuple[str, int], set[str]] = {}
    for snapshot in window:
        for worker in _doing_work(snapshot.workers):
            key = (worker.node_id, worker.pid)
            busy[key] = busy.get(key, 0.0) + worker.cpu_percent
            if worker.running_task is not None:
                tasks_seen.setdefault(key, set()).add(worker.running_task.task_id)
    total = sum(busy.values())
    if total <= 0:
        return []
    cpus_total = window[-1].cluster.cpus_total
    max_workers = max(1, int(cpus_total * params.uneven_max_worker_fraction))
    ranked = sorted(busy, key=busy.__getitem__, reverse=True)
    top: list[tuple[str, int]] = []
    top_busy = 0.0  # a running sum: max_workers is 4,000 on a 16,000-CPU cluster
    for key in ranked[:max_workers]:
        top.append(key)
        top_busy += busy[key]
        if top_busy >= params.uneven_top_share * total:
            break
    share = top_busy / total
    busiest_avg = busy[ranked[0]] / len(window)
    free_cpus = sum(s.cluster.cpus_total - s.cluster.cpus_used for s in window) / len(window)
    finished = _finished(window[-1]) - _finished(window[0])
    many_tasks = finished > 0 or any(len(tasks_seen.get(k, ())) > 1 for k in top)
    if (share < params.uneven_top_share or busiest_avg < params.uneven_min_busy_percent
            or free_cpus < params.uneven_min_free_cpus or not many_tasks):
        return []
    pids = ", ".join(str(pid) for _node, pid in top)
    nodes = sorted({node for node, _pid in top})
    return [Flag(
        kind="uneven",
        severity="warning",
        nodes=tuple(nodes),
        workers=tuple(WorkerKey(node, pid) for node, pid in top),
        message=(f"{share:.0%} of the work ran on {len(top)} worker{'s' if len(top) > 1 else ''} "
                 f"(pid {pids}) while {free_cpus:.1f} CPUs stayed free"),
        explanation=(
            "Tasks keep finishing, yet almost all the CPU time lands on one worker while "
            "other CPUs sit idle. The classic cause is calling ray.get() inside the loop "
            "that submits the tasks: the driver waits for each result before submitting "
            "the next task, so they run one after another. Submit them all first, keep "
            "the object refs in a list, and call ray.get() once on the list."
        ),
    )]


def idle_while_pending(history: History, params: DetectParams) -> list[Flag]:
    recent = history.last(params.idle_polls)
    if len(recent) < params.idle_polls or not all(s.status.connected for s in recent):
        return []
    if not all(_pending(s) > 0 for s in recent):
        return []
    cpu = [_cpu_by_node(s) for s in recent]
    idle = [
        node.node_id for node in recent[-1].nodes
        if node.state == "ALIVE"
        and all(c.get(node.node_id, 0.0) < params.idle_cpu_percent for c in cpu)
    ]
    if not idle:
        return []
    return [Flag(
        kind="idle_while_pending",
        severity="warning",
        nodes=tuple(idle),
        message=f"{_pending(recent[-1])} tasks wait for a node while {_nodes_text(idle)} idle",
        explanation=(
            "Tasks are waiting to be scheduled, yet CPUs are measured idle. Ray schedules "
            "by declared (logical) resources, not by measured load: the waiting tasks may "
            "ask for more than any node has free (num_cpus, GPUs, custom resources, "
            "memory), or the CPUs are reserved by actors or tasks that hold them while "
            "blocked. Check the tasks' resource requests and what holds the CPUs."
        ),
    )]


def logical_physical_gap(history: History, params: DetectParams) -> list[Flag]:
    window = history.window(params.gap_window_s)
    if (len(window) < params.gap_min_polls
            or window[-1].time - window[0].time < 0.8 * params.gap_window_s):
        return []
    flags = []
    # per node sums, one pass per snapshot (not one pass per node: 1,000 nodes x 16,000
    # workers x 10 polls was minutes a poll)
    logical_sum: dict[str, float] = {}
    measured_sum: dict[str, float] = {}
    for s in window:
        for n in s.nodes:
            logical_sum[n.node_id] = logical_sum.get(n.node_id, 0.0) + n.cpus_used
        for w in _doing_work(s.workers):
            measured_sum[w.node_id] = measured_sum.get(w.node_id, 0.0) + w.cpu_percent
    for node in window[-1].nodes:
        logical = logical_sum.get(node.node_id, 0.0) / len(window)
        measured = measured_sum.get(node.node_id, 0.0) / len(window) / 100.0
        if measured - logical >= params.gap_cores:
            flags.append(Flag(
                kind="logical_physical_gap",
                severity="info",
                nodes=(node.node_id,),
                message=(f"node {node.node_id[:8]}: workers burn {measured:.1f} cores but "
                         f"hold {logical:.1f} logical CPUs"),
                explanation=(
                    "Ray's workers use more CPU than they reserved. Tasks or actors that "
                    "declare num_cpus=0 (actors do by default once created), or start "
                    "their own threads and processes, are invisible to the scheduler, "
                    "which may then place more work here than the cores can run."
                ),
            ))
        elif logical - measured >= params.gap_cores:
            flags.append(Flag(
                kind="logical_physical_gap",
                severity="info",
                nodes=(node.node_id,),
                message=(f"node {node.node_id[:8]}: {logical:.1f} logical CPUs held but "
                         f"workers burn only {measured:.1f} cores"),
                explanation=(
                    "CPUs are reserved but not used: tasks or actors hold their num_cpus "
                    "while they sleep, wait on I/O or block in ray.get(). Other tasks "
                    "cannot be scheduled on those CPUs. Consider num_cpus below 1 for "
                    "I/O-bound work, or avoid blocking inside tasks."
                ),
            ))
    return flags


# --- small readers -----------------------------------------------------------


def _doing_work(workers: tuple[Worker, ...]) -> list[Worker]:
    return [w for w in workers if w.worker_type != "DRIVER"]


def _cpu_by_node(snapshot: Snapshot) -> dict[str, float]:
    return {n.node_id: n.cpu_percent for n in snapshot.nodes}


def _finished(snapshot: Snapshot) -> int:
    return snapshot.tasks.by_state.get("FINISHED", 0) + snapshot.tasks.by_state.get("FAILED", 0)


def _pending(snapshot: Snapshot) -> int:
    return sum(snapshot.tasks.by_state.get(state, 0) for state in WAITING_FOR_NODE_STATES)


def _nodes_text(node_ids: list[str]) -> str:
    shown = ", ".join(n[:8] for n in node_ids[:3])
    more = f" and {len(node_ids) - 3} more" if len(node_ids) > 3 else ""
    return f"node{'s' if len(node_ids) > 1 else ''} {shown}{more}"
