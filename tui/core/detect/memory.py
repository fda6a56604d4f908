"""The memory rule: a node's memory near full, critical where Ray starts killing workers."""

from __future__ import annotations

from tui.core.detect.params import DetectParams
from tui.core.detect.readers import covered, held, nodes_flag, span
from tui.core.history import History
from tui.core.model import Flag, Node


def memory_pressure(history: History, params: DetectParams) -> list[Flag]:
    maps = covered(history, params.memory_window_s, params.memory_min_polls, params)
    flags = []
    for node_id in maps[-1] if maps else {}:
        if not held(maps, node_id, lambda n: (
                n.memory_total_bytes > 0 and memory_percent(n) >= params.memory_percent)):
            continue
        now = memory_percent(maps[-1][node_id])
        lowest = min(memory_percent(m[node_id]) for m in maps)
        oom = now >= params.memory_oom_percent
        flags.append(nodes_flag(
            "memory_pressure", (node_id,), severity="critical" if oom else "warning",
            message=(f"node {node_id[:8]}: memory {now:.0f}% used (at least {lowest:.0f}% "
                     f"for {span(history, params.memory_window_s):.0f} s)"
                     + ("; Ray kills workers at this level" if oom else "")),
            explanation=(
                "This node's memory is almost full. When it reaches "
                f"{params.memory_oom_percent:.0f} %, Ray's memory monitor kills a worker "
                "to save the node (the task that started last goes first); the task is "
                "retried, or fails with an OutOfMemoryError. Run fewer tasks at once here "
                "(ask for memory per task with memory=..., or more num_cpus each), make "
                "each task hold less (work on smaller pieces, put shared data in the "
                "object store once with ray.put), or add nodes."
            )))
    return flags


def memory_percent(node: Node) -> float:
    return 100.0 * node.memory_used_bytes / node.memory_total_bytes \
        if node.memory_total_bytes else 0.0
