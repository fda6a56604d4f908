"""The Fibonacci workload, as the app's keys, its form and `raytui run fib` launch it.

Its defaults, checks and flags are `workloads.fibonacci_results` (no Ray), the same ones
the job driver `python -m workloads.fibonacci` uses.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

from tui.launch.job_run import JobSpec, last_json_object
from workloads import fibonacci_results as fib

MODULE = "workloads.fibonacci"
add_arguments = fib.add_arguments
FibResult = fib.FibResult


@dataclass(frozen=True)
class FibParams:
    size: int = fib.DEFAULT_SIZE
    count: int | None = None  # None: one per CPU
    pattern: fib.Pattern = "parallel"
    return_sequence: bool = False
    with_local: bool = True
    warm: bool = False
    force: bool = False  # run even when the sequences would not fit in memory

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> FibParams:
        return cls(args.size, args.count, args.pattern, args.return_sequence, args.with_local,
                   args.warm, args.force)


def watch_params(cpus: int) -> FibParams:
    """What the app's f key launches: enough queued tasks to watch the workers fill up."""
    return FibParams(count=fib.WATCH_TASKS_PER_CPU * max(1, cpus))


def check(params: FibParams, cpus: int | None = None, memory_bytes: int | None = None) -> None:
    """ValueError (naming the flag) for a bad value or a run that would not fit in memory.

    `cpus` and `memory_bytes` are the cluster's when known, else this machine's.
    """
    cpus = cpus or os.cpu_count() or 1
    fib.validate(params.size, cpus if params.count is None else params.count, params.pattern,
                 return_sequence=params.return_sequence, cpus=cpus,
                 memory_bytes=memory_bytes or None, force=params.force)


def parse_result(output: str) -> FibResult | None:
    data = last_json_object(output)
    return FibResult.from_json(data) if data is not None else None


def summary(result: FibResult) -> Sequence[str]:
    return fib.tutorial_lines(result)


def job(params: FibParams) -> JobSpec[FibResult]:
    count = "one per CPU" if params.count is None else str(params.count)
    return JobSpec(
        f"Fibonacci size={params.size} count={count} {params.pattern}", MODULE,
        tuple(fib.job_arguments(params.size, params.count, params.pattern,
                                return_sequence=params.return_sequence,
                                with_local=params.with_local, warm=params.warm,
                                force=params.force)),
        "fib", parse_result, summary)

