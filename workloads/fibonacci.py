"""The tutorial's first experiment: Fibonacci sequences, local loop vs Ray fan-out.

`fibonacci_local` is the tutorial's function verbatim in behaviour (it builds the
whole sequence and returns its size); `fibonacci_distributed` is its Ray task twin,
so workers show up as `ray::fibonacci_distributed`. `fibonacci_sequence_distributed`
returns the whole sequence instead, to make IO cost visible.

Patterns:
- parallel: submit `count` tasks, then one `ray.get` on all of them (the fan-out);
- serial: `ray.get` inside the submit loop (the anti-pattern: one worker does all
  the work while the other CPUs idle).

Runnable as `python -m workloads.fibonacci` (how job submission launches it).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence

import ray

# the inputs and results side (no Ray): shared with the monitor and the command line
from workloads.fibonacci_results import (
    DEFAULT_SIZE,
    FibResult,
    Pattern,
    add_arguments,
    tutorial_lines,
    validate,
    validate_args,
)


def fibonacci_sequence(sequence_size: int) -> list[int]:
    fibonacci: list[int] = []
    for i in range(sequence_size):
        if i < 2:
            fibonacci.append(i)
            continue
        fibonacci.append(fibonacci[i - 1] + fibonacci[i - 2])
    return fibonacci


def fibonacci_local(sequence_size: int) -> int:
    # Builds and keeps the whole sequence as the tutorial does: the memory and the
    # big-integer additions are the point of the experiment.
    return len(fibonacci_sequence(sequence_size))


@ray.remote
def fibonacci_distributed(sequence_size: int) -> int:
    return fibonacci_local(sequence_size)


@ray.remote
def fibonacci_sequence_distributed(sequence_size: int) -> list[int]:
    return fibonacci_sequence(sequence_size)


def default_count() -> int:
    return os.cpu_count() or 1


def time_local(size: int, count: int, return_sequence: bool = False) -> float:
    work: Callable[[int], object] = fibonacci_sequence if return_sequence else fibonacci_local
    start = time.perf_counter()
    for _ in range(count):
        work(size)
    return time.perf_counter() - start


def time_remote(
    size: int, count: int, pattern: Pattern = "parallel", return_sequence: bool = False
) -> float:
    """Needs an initialised Ray (this process is the driver)."""
    task = fibonacci_sequence_distributed if return_sequence else fibonacci_distributed
    start = time.perf_counter()
    if pattern == "serial":
        for _ in range(count):
            ray.get(task.remote(size))
    else:
        ray.get([task.remote(size) for _ in range(count)])
    return time.perf_counter() - start


def warm_up(count: int) -> None:
    """Start the workers so the first measured run does not pay for process start-up."""
    ray.get([fibonacci_distributed.remote(10) for _ in range(count)])


def run_fib(
    size: int = DEFAULT_SIZE,
    count: int | None = None,
    pattern: Pattern = "parallel",
    return_sequence: bool = False,
    with_local: bool = True,
    warm: bool = False,
) -> FibResult:
    count = default_count() if count is None else count
    validate(size, count, pattern, force=True)  # the memory check is the caller's: --force
    local_s = time_local(size, count, return_sequence) if with_local else None
    if warm:
        warm_up(count)
    remote_s = time_remote(size, count, pattern, return_sequence)
    speedup = local_s / remote_s if local_s is not None and remote_s > 0 else None
    return FibResult(size, count, pattern, return_sequence, local_s, remote_s, speedup)


def report(result: FibResult, as_json: bool) -> None:
    print(json.dumps(result.to_json()) if as_json else "\n".join(tutorial_lines(result)),
          flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the job driver: connects to the cluster the job runs on."""
    parser = argparse.ArgumentParser(prog="python -m workloads.fibonacci")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        validate_args(args)
    except ValueError as err:
        parser.error(str(err))
    ray.init(log_to_driver=False)  # inside a Ray job this attaches to its cluster
    try:
        result = run_fib(args.size, args.count, args.pattern, args.return_sequence,
                         args.with_local, args.warm)
    finally:
        ray.shutdown()
    report(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
