"""The GPU rules: allocated GPUs that sit idle, and a device's memory near full."""

from __future__ import annotations

import math
from collections.abc import Callable

from tui.core.detect.params import DetectParams
from tui.core.detect.readers import connected_last, covered, held, nodes_by_id, nodes_flag, span
from tui.core.history import History
from tui.core.model import Flag, Gpu, Node


def gpu_idle(history: History, params: DetectParams) -> list[Flag]:
    maps = covered(history, params.gpu_idle_window_s, params.gpu_idle_min_polls, params)
    flags = []
    for node_id in maps[-1] if maps else {}:
        if not held(maps, node_id, lambda n: _idle_allocated_gpus(n, params) >= 1):
            continue
        node = maps[-1][node_id]
        idle = min(_idle_allocated_gpus(m[node_id], params) for m in maps)
        peak = max(g.utilization_percent or 0.0 for m in maps for g in m[node_id].gpus)
        flags.append(nodes_flag(
            "gpu_idle", (node_id,),
            message=(f"node {node_id[:8]}: {idle} of {_allocated(node)} allocated GPU"
                     f"{'s' if _allocated(node) > 1 else ''} under "
                     f"{params.gpu_idle_percent:.0f}% busy for "
                     f"{span(history, params.gpu_idle_window_s):.0f} s (peak {peak:.0f}%)"),
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
            )))
    return flags


def gpu_memory_full(history: History, params: DetectParams) -> list[Flag]:
    maps = [nodes_by_id(s) for s in connected_last(history, params.gpu_memory_polls)]
    flags = []
    for node_id, node in maps[-1].items() if maps else ():
        full = [gpu for gpu in node.gpus if held(maps, node_id, _device_memory_above(
            gpu.index, params.gpu_memory_percent))]
        if not full:
            continue
        devices = ", ".join(f"GPU {g.index} {_gpu_memory_percent(g):.0f}%" for g in full)
        flags.append(nodes_flag(
            "gpu_memory_full", (node_id,),
            message=f"node {node_id[:8]}: memory full on {devices}",
            explanation=(
                "Almost all of this GPU's memory is in use. The next allocation (a larger "
                "batch, a second copy of a model, another task sharing the device) fails "
                "with a CUDA out-of-memory error. Lower the batch size, free tensors that "
                "are no longer needed, or give each task a whole GPU (num_gpus=1) rather "
                "than a fraction of one."
            )))
    return flags


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
