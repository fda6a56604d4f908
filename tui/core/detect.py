"""Flag rules: pure functions of the recent history, with documented thresholds.

Each rule looks at a window of snapshots and returns at most a few `Flag`s; none
of them fires on a single poll, so a brief spike or one slow sample is ignored.
Windows are in seconds of snapshot time, so they mean the same at any interval.
Drivers (worker_type "DRIVER") never count as workers doing work.

No rule reads data it cannot trust: a node that is not ALIVE (a DEAD node's last
figures freeze), a node whose figures are not reported yet (`Node.figures_known`),
and a worker whose figures are unknown (`cpu_source == "none"`) are unknown, never 0.
A window holding unknown data for what a rule looks at raises nothing.

(A little over 400 lines: seven rules share the readers at the bottom; splitting them
would split the one place that says what data a rule may trust.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.history import History
from tui.core.kinds import WAITING_FOR_NODE_STATES
from tui.core.model import Flag, Gpu, Node, Snapshot, Worker, WorkerKey

NodeMap = dict[str, Node]


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
    # memory_pressure: a node's memory at or above memory_percent on every poll of the
    # last memory_window_s (>= memory_min_polls polls); critical from memory_oom_percent,
    # where Ray's memory monitor starts killing workers (RAY_memory_usage_threshold=0.95).
    memory_percent: float = 90.0
    memory_oom_percent: float = 95.0
    memory_window_s: float = 10.0
    memory_min_polls: int = 3
    # gpu_idle: logical GPUs allocated on a node (Node.gpus_used > 0) while fewer of its
    # devices than the GPUs allocated run at >= gpu_idle_percent utilisation, on every
    # poll of the last gpu_idle_window_s (>= gpu_idle_min_polls polls).
    gpu_idle_percent: float = 10.0
    gpu_idle_window_s: float = 30.0
    gpu_idle_min_polls: int = 3
    # gpu_memory_full: a device's memory above gpu_memory_percent on each of the last
    # gpu_memory_polls polls.
    gpu_memory_percent: float = 95.0
    gpu_memory_polls: int = 3
    # the windows of memory_pressure and gpu_idle must be covered: the polls kept span at
    # least this fraction of the window (a history of 120 polls at 0.25 s spans 29.75 s)
    window_coverage: float = 0.9


DEFAULT_PARAMS = DetectParams()


def detect(history: History, params: DetectParams = DEFAULT_PARAMS) -> list[Flag]:
    return [
        *saturated(history, params),
        *uneven(history, params),
        *idle_while_pending(history, params),
        *logical_physical_gap(history, params),
        *memory_pressure(history, params),
        *gpu_idle(history, params),
        *gpu_memory_full(history, params),
    ]


def saturated(history: History, params: DetectParams) -> list[Flag]:
    recent = history.last(params.saturated_polls)
    if len(recent) < params.saturated_polls or not all(s.status.connected for s in recent):
        return []
    maps = [_nodes_by_id(s) for s in recent]
    hot = [node_id for node_id in maps[-1] if _held(maps, node_id, lambda n: (
        n.cpu_percent >= params.saturated_cpu_percent))]
    if not hot:
        return []
    lowest = min(m[n].cpu_percent for m in maps for n in hot)
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
    # a poll where some worker's figures are unknown cannot say where the work went
    window = [s for s in history.window(params.uneven_window_s)
              if all(w.cpu_source != "none" for w in _doing_work(s))]
    if len(window) < params.uneven_min_polls:
        return []
    # a node dead now says nothing any more, not even about the polls before it died
    dead_now = {n.node_id for n in window[-1].nodes if n.state != "ALIVE"}
    busy: dict[tuple[str, int], float] = {}
    tasks_seen: dict[tuple[str, int], set[str]] = {}
    for snapshot in window:
        for worker in _doing_work(snapshot):
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
    maps = [_nodes_by_id(s) for s in recent]
    idle = [node_id for node_id in maps[-1] if _held(maps, node_id, lambda n: (
        n.cpu_percent < params.idle_cpu_percent))]
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
    flags = []
    window = history.window(params.gap_window_s)
    if len(window) < params.gap_min_polls \
            or window[-1].time - window[0].time < 0.8 * params.gap_window_s:
        return []
    maps = [_nodes_by_id(s) for s in window]
    cores_by_node = [_worker_cpu_by_node(s) for s in window]
    for node_id in maps[-1]:
        # every poll of the window must know this node's figures and its workers'
        logical, measured = [], []
        for nodes, by_node in zip(maps, cores_by_node, strict=True):
            node = nodes.get(node_id)
            cores = by_node.get(node_id, 0.0)
            if node is None or not _trusted(node) or cores is None:
                break
            logical.append(node.cpus_used)
            measured.append(cores)
        if len(logical) < len(window):
            continue
        held, burned = sum(logical) / len(logical), sum(measured) / len(measured)
        if burned - held >= params.gap_cores:
            flags.append(Flag(
                kind="logical_physical_gap",
                severity="info",
                nodes=(node_id,),
                message=(f"node {node_id[:8]}: workers burn {burned:.1f} cores but "
                         f"hold {held:.1f} logical CPUs"),
                explanation=(
                    "Ray's workers use more CPU than they reserved. Tasks or actors that "
                    "declare num_cpus=0 (actors do by default once created), or start "
                    "their own threads and processes, are invisible to the scheduler, "
                    "which may then place more work here than the cores can run."
                ),
            ))
        elif held - burned >= params.gap_cores:
            flags.append(Flag(
                kind="logical_physical_gap",
                severity="info",
                nodes=(node_id,),
                message=(f"node {node_id[:8]}: {held:.1f} logical CPUs held but "
                         f"workers burn only {burned:.1f} cores"),
                explanation=(
                    "CPUs are reserved but not used: tasks or actors hold their num_cpus "
                    "while they sleep, wait on I/O or block in ray.get(). Other tasks "
                    "cannot be scheduled on those CPUs. Consider num_cpus below 1 for "
                    "I/O-bound work, or avoid blocking inside tasks."
                ),
            ))
    return flags


def memory_pressure(history: History, params: DetectParams) -> list[Flag]:
    maps = _covered(history, params.memory_window_s, params.memory_min_polls, params)
    flags = []
    for node_id in maps[-1] if maps else {}:
        if not _held(maps, node_id, lambda n: (
                n.memory_total_bytes > 0 and _memory_percent(n) >= params.memory_percent)):
            continue
        now = _memory_percent(maps[-1][node_id])
        lowest = min(_memory_percent(m[node_id]) for m in maps)
        oom = now >= params.memory_oom_percent
        flags.append(Flag(
            kind="memory_pressure",
            severity="critical" if oom else "warning",
            nodes=(node_id,),
            message=(f"node {node_id[:8]}: memory {now:.0f}% used (at least {lowest:.0f}% "
                     f"for {_span(history, params.memory_window_s):.0f} s)"
                     + ("; Ray kills workers at this level" if oom else "")),
            explanation=(
                "This node's memory is almost full. When it reaches "
                f"{params.memory_oom_percent:.0f} %, Ray's memory monitor kills a worker "
                "to save the node (the task that started last goes first); the task is "
                "retried, or fails with an OutOfMemoryError. Run fewer tasks at once here "
                "(ask for memory per task with memory=..., or more num_cpus each), make "
                "each task hold less (work on smaller pieces, put shared data in the "
                "object store once with ray.put), or add nodes."
            ),
        ))
    return flags


def gpu_idle(history: History, params: DetectParams) -> list[Flag]:
    maps = _covered(history, params.gpu_idle_window_s, params.gpu_idle_min_polls, params)
    flags = []
    for node_id in maps[-1] if maps else {}:
        if not _held(maps, node_id, lambda n: _idle_allocated_gpus(n, params) >= 1):
            continue
        node = maps[-1][node_id]
        idle = min(_idle_allocated_gpus(m[node_id], params) for m in maps)
        peak = max(g.utilization_percent or 0.0 for m in maps for g in m[node_id].gpus)
        flags.append(Flag(
            kind="gpu_idle",
            severity="warning",
            nodes=(node_id,),
            message=(f"node {node_id[:8]}: {idle} of {_allocated(node)} allocated GPU"
                     f"{'s' if _allocated(node) > 1 else ''} under "
                     f"{params.gpu_idle_percent:.0f}% busy for "
                     f"{_span(history, params.gpu_idle_window_s):.0f} s (peak {peak:.0f}%)"),
            explanation=(
                "Ray gave GPUs on this node to tasks or actors (num_gpus), yet the devices "
                "sit almost idle: nothing else can be scheduled on them, so they are paid "
                "for and wasted. The GPU is waiting for something. Often it is data "
                "loading: reading and decoding batches on the CPU is slower than the GPU "
                "consumes them (load in parallel, prefetch, use more loader workers). Or "
                "the task's own Python code between GPU calls is the bottleneck (a CPU "
                "bottleneck: look at the worker's CPU, near 100 % of one core). Or a "
                "collective operation (all-reduce in distributed training) is stuck "
                "waiting for a peer that died or lags behind."
            ),
        ))
    return flags


def gpu_memory_full(history: History, params: DetectParams) -> list[Flag]:
    recent = history.last(params.gpu_memory_polls)
    if len(recent) < params.gpu_memory_polls or not all(s.status.connected for s in recent):
        return []
    maps = [_nodes_by_id(s) for s in recent]
    flags = []
    for node_id, node in maps[-1].items():
        full = [gpu for gpu in node.gpus if _held(maps, node_id, _device_memory_above(
            gpu.index, params.gpu_memory_percent))]
        if not full:
            continue
        devices = ", ".join(f"GPU {g.index} {_gpu_memory_percent(g):.0f}%" for g in full)
        flags.append(Flag(
            kind="gpu_memory_full",
            severity="warning",
            nodes=(node_id,),
            message=f"node {node_id[:8]}: memory full on {devices}",
            explanation=(
                "Almost all of this GPU's memory is in use. The next allocation (a larger "
                "batch, a second copy of a model, another task sharing the device) fails "
                "with a CUDA out-of-memory error. Lower the batch size, free tensors that "
                "are no longer needed, or give each task a whole GPU (num_gpus=1) rather "
                "than a fraction of one."
            ),
        ))
    return flags


# --- small readers -----------------------------------------------------------


def _nodes_by_id(snapshot: Snapshot) -> NodeMap:
    return {n.node_id: n for n in snapshot.nodes}


def _trusted(node: Node | None) -> bool:
    """Its figures can be read: listed, ALIVE, and reported."""
    return node is not None and node.state == "ALIVE" and node.figures_known


def _held(maps: list[NodeMap], node_id: str, condition: Callable[[Node], bool]) -> bool:
    """The node is trusted in every one of these polls, and the condition holds in each."""
    for nodes in maps:
        node = nodes.get(node_id)
        if node is None or not _trusted(node) or not condition(node):
            return False
    return True


def _covered(history: History, seconds: float, min_polls: int,
             params: DetectParams) -> list[NodeMap]:
    """The polls of the last `seconds`, if they are enough and cover the window."""
    window = history.window(seconds)
    if (len(window) < min_polls
            or window[-1].time - window[0].time < params.window_coverage * seconds):
        return []
    return [_nodes_by_id(s) for s in window]


def _span(history: History, seconds: float) -> float:
    window = history.window(seconds)
    return window[-1].time - window[0].time if window else 0.0


def _doing_work(snapshot: Snapshot) -> list[Worker]:
    """Workers (not drivers) of the nodes not known dead: a DEAD node's workers linger
    in Ray's list with their last figures."""
    dead = {n.node_id for n in snapshot.nodes if n.state != "ALIVE"}
    return [w for w in snapshot.workers if w.worker_type != "DRIVER" and w.node_id not in dead]


def _worker_cpu_by_node(snapshot: Snapshot) -> dict[str, float | None]:
    """Cores the workers of each node burn; None where some worker's figure is unknown."""
    burned: dict[str, float | None] = {}
    for worker in _doing_work(snapshot):
        so_far = burned.get(worker.node_id, 0.0)
        burned[worker.node_id] = None if so_far is None or worker.cpu_source == "none" \
            else so_far + worker.cpu_percent / 100.0
    return burned


def _memory_percent(node: Node) -> float:
    return 100.0 * node.memory_used_bytes / node.memory_total_bytes \
        if node.memory_total_bytes else 0.0


def _allocated(node: Node) -> int:
    """Devices the logical allocation occupies: 0.5 GPU still holds one device."""
    return math.ceil(node.gpus_used - 1e-9) if node.gpus_used > 0 else 0


def _idle_allocated_gpus(node: Node, params: DetectParams) -> int:
    """How many allocated GPUs run under the threshold (0 when any device is unknown).

    Ray does not say which device a logical GPU is, so: allocated devices minus the
    devices measured busy (a busy device is assumed to be an allocated one)."""
    if not node.gpus or any(g.utilization_percent is None for g in node.gpus):
        return 0
    busy = sum(1 for g in node.gpus if (g.utilization_percent or 0.0) >= params.gpu_idle_percent)
    return max(0, min(_allocated(node), len(node.gpus)) - busy)


def _device(node: Node, index: int) -> Gpu | None:
    return next((g for g in node.gpus if g.index == index), None)


def _device_memory_above(index: int, percent: float) -> Callable[[Node], bool]:
    return lambda node: _gpu_memory_percent(_device(node, index)) > percent


def _gpu_memory_percent(gpu: Gpu | None) -> float:
    if gpu is None or gpu.memory_total_bytes <= 0:
        return 0.0
    return 100.0 * gpu.memory_used_bytes / gpu.memory_total_bytes


def _finished(snapshot: Snapshot) -> int:
    return snapshot.tasks.by_state.get("FINISHED", 0) + snapshot.tasks.by_state.get("FAILED", 0)


def _pending(snapshot: Snapshot) -> int:
    return sum(snapshot.tasks.by_state.get(state, 0) for state in WAITING_FOR_NODE_STATES)


def _nodes_text(node_ids: list[str]) -> str:
    shown = ", ".join(n[:8] for n in node_ids[:3])
    more = f" and {len(node_ids) - 3} more" if len(node_ids) > 3 else ""
    return f"node{'s' if len(node_ids) > 1 else ''} {shown}{more}"
