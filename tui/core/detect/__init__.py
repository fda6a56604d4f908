"""Flag rules: pure functions of the recent history, with documented thresholds.

Each rule looks at a window of snapshots and returns at most a few `Flag`s; none
of them fires on a single poll, so a brief spike or one slow sample is ignored.
Windows are in seconds of snapshot time, so they mean the same at any interval.
Drivers (worker_type "DRIVER") never count as workers doing work.

No rule reads data it cannot trust: a node that is not ALIVE (a DEAD node's last
figures freeze), a node whose figures are not reported yet (`Node.figures_known`),
and a worker whose figures are unknown (`cpu_source == "none"`) are unknown, never 0.
A window holding unknown data for what a rule looks at raises nothing.

The thresholds are in `params.py`; what a rule may trust, and the one shape of a flag
about nodes, in `readers.py`; the rules by what they watch: `cpu.py`, `memory.py`, `gpu.py`.
"""

from __future__ import annotations

from tui.core.detect import readers
from tui.core.detect.cpu import idle_while_pending, logical_physical_gap, saturated, uneven
from tui.core.detect.gpu import gpu_idle, gpu_memory_full
from tui.core.detect.memory import memory_pressure
from tui.core.detect.params import DEFAULT_PARAMS, DetectParams
from tui.core.history import History
from tui.core.model import Flag

__all__ = ["DEFAULT_PARAMS", "DetectParams", "detect"]


def detect(history: History, params: DetectParams = DEFAULT_PARAMS) -> list[Flag]:
    readers.new_round()
    return [
        *saturated(history, params),
        *uneven(history, params),
        *idle_while_pending(history, params),
        *logical_physical_gap(history, params),
        *memory_pressure(history, params),
        *gpu_idle(history, params),
        *gpu_memory_full(history, params),
    ]
