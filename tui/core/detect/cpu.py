"""The CPU rules: a node saturated, the work on one worker while CPUs stay free, tasks
waiting while nodes idle, and the gap between the CPUs Ray allocated and those burned."""

from __future__ import annotations

from tui.core.detect.params import DetectParams
from tui.core.detect.readers import (
    connected_last,
    doing_work,
    finished,
    held,
    nodes_by_id,
    nodes_flag,
    nodes_text,
    pending,
    trusted,
    worker_cpu_by_node,
)
from tui.core.history import History
from tui.core.model import Flag, WorkerKey

BURN_MORE_THAN_HELD = (
    "Ray's workers use more CPU than they reserved. Tasks or actors that "
    "declare num_cpus=0 (actors do by default once created), or start "
    "their own threads and processes, are invisible to the scheduler, "
    "which may then place more work here than the cores can run.")
HOLD_MORE_THAN_BURNED = (
    "CPUs are reserved but not used: tasks or actors hold their num_cpus "
    "while they sleep, wait on I/O or block in ray.get(). Other tasks "
    "cannot be scheduled on those CPUs. Consider num_cpus below 1 for "
    "I/O-bound work, or avoid blocking inside tasks.")


def saturated(history: History, params: DetectParams) -> list[Flag]:
    recent = connected_last(history, params.saturated_polls)
    maps = [nodes_by_id(s) for s in recent]
    hot = [node_id for node_id in maps[-1] if held(maps, node_id, lambda n: (
        n.cpu_percent >= params.saturated_cpu_percent))] if maps else []
    if not hot:
        return []
    lowest = min(m[n].cpu_percent for m in maps for n in hot)
    return [nodes_flag(
        "saturated", hot,
        message=f"{nodes_text(hot)} at {lowest:.0f}%+ CPU for {len(recent)} polls",
        explanation=(
            "Every core of this node is busy. Submitting more parallel tasks will not make "
            "the work finish sooner: they queue behind the running ones, and each task's "
            "share of the CPU shrinks. Add nodes, or make each task do less work."
        ))]


def uneven(history: History, params: DetectParams) -> list[Flag]:
    # a poll where some worker's figures are unknown cannot say where the work went
    window = [s for s in history.window(params.uneven_window_s)
              if all(w.cpu_source != "none" for w in doing_work(s))]
    if len(window) < params.uneven_min_polls:
        return []
    # a node dead now says nothing any more, not even about the polls before it died
    dead_now = {n.node_id for n in window[-1].nodes if n.state != "ALIVE"}
    busy: dict[tuple[str, int], float] = {}
    tasks_seen: dict[tuple[str, int], set[str]] = {}
    for snapshot in window:
        for worker in doing_work(snapshot):
            if worker.node_id in dead_now:
                continue
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
    carried = 0.0  # a running sum: a big cluster's top list is thousands long
    for key in ranked[:max_workers]:
        top.append(key)
        carried += busy[key]
        if carried >= params.uneven_top_share * total:
            break
    share = carried / total
    busiest_avg = busy[ranked[0]] / len(window)
    free_cpus = sum(s.cluster.cpus_total - s.cluster.cpus_used for s in window) / len(window)
    done = finished(window[-1]) - finished(window[0])
    many_tasks = done > 0 or any(len(tasks_seen.get(k, ())) > 1 for k in top)
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
    recent = connected_last(history, params.idle_polls)
    if not recent or not all(pending(s) > 0 for s in recent):
        return []
    maps = [nodes_by_id(s) for s in recent]
    idle = [node_id for node_id in maps[-1] if held(maps, node_id, lambda n: (
        n.cpu_percent < params.idle_cpu_percent))]
    if not idle:
        return []
    return [nodes_flag(
        "idle_while_pending", idle,
        message=f"{pending(recent[-1])} tasks wait for a node while {nodes_text(idle)} idle",
        explanation=(
            "Tasks are waiting to be scheduled, yet CPUs are measured idle. Ray schedules "
            "by declared (logical) resources, not by measured load: the waiting tasks may "
            "ask for more than any node has free (num_cpus, GPUs, custom resources, "
            "memory), or the CPUs are reserved by actors or tasks that hold them while "
            "blocked. Check the tasks' resource requests and what holds the CPUs."
        ))]


def logical_physical_gap(history: History, params: DetectParams) -> list[Flag]:
    flags = []
    window = history.window(params.gap_window_s)
    if len(window) < params.gap_min_polls \
            or window[-1].time - window[0].time < 0.8 * params.gap_window_s:
        return []
    maps = [nodes_by_id(s) for s in window]
    cores_by_node = [worker_cpu_by_node(s) for s in window]
    for node_id in maps[-1]:
        # every poll of the window must know this node's figures and its workers'
        logical, measured = [], []
        for nodes, by_node in zip(maps, cores_by_node, strict=True):
            node = nodes.get(node_id)
            cores = by_node.get(node_id, 0.0)
            if node is None or not trusted(node) or cores is None:
                break
            logical.append(node.cpus_used)
            measured.append(cores)
        if len(logical) < len(window):
            continue
        reserved, burned = sum(logical) / len(logical), sum(measured) / len(measured)
        if burned - reserved >= params.gap_cores:
            message = (f"node {node_id[:8]}: workers burn {burned:.1f} cores but "
                       f"hold {reserved:.1f} logical CPUs")
            explanation = BURN_MORE_THAN_HELD
        elif reserved - burned >= params.gap_cores:
            message = (f"node {node_id[:8]}: {reserved:.1f} logical CPUs held but "
                       f"workers burn only {burned:.1f} cores")
            explanation = HOLD_MORE_THAN_BURNED
        else:
            continue
        flags.append(nodes_flag("logical_physical_gap", (node_id,), message, explanation,
                                severity="info"))
    return flags
