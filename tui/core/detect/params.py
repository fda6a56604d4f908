"""The thresholds of the flag rules, with what each means (the README quotes them)."""

from __future__ import annotations

from dataclasses import dataclass


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
