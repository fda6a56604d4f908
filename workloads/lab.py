"""The trade-offs lab: the tutorial's third section as two measured sweeps.

- compute: for each Fibonacci size, time `count` sequences in a local loop and as a
  Ray fan-out (warm workers, median of `repeats`), and find the crossover: the
  smallest size from which the fan-out is faster (fitted over the noise). Below
  it Ray's per-task overhead (scheduling, a round trip to a worker) dominates.
- io: the same fan-out returning the whole sequence instead of its size. Per size:
  the time, the fan-out that returns only the size (the compute-only baseline),
  and the bytes of the returned objects, so one sees where moving data dominates.

Bytes are measured, not estimated: after an untimed fan-out, the owner's record of
each returned object's serialized size (`ray.experimental.get_object_locations`,
the figure `ray memory` shows) is summed over the `count` results. Objects under
Ray's inline limit (100 KiB) travel in the task reply rather than through plasma
shared memory; they are counted all the same.

Fairness: Ray runs task workers at nice 15, so the local loop is timed in a thread
at the same niceness (see `time_local_at_nice`); otherwise any other load on the
machine starves the workers and the loop wins for reasons unrelated to distribution.

Runnable as a job driver: `python -m workloads.lab compute|io [--sizes ...] --json`
prints one JSON line per size as it completes (so a UI can plot it live) and one
summary object at the end. It reuses `workloads.fibonacci` for all timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import threading
from collections.abc import Callable, Sequence

from workloads import fibonacci

# the results side (parsing, fitting, printing; no Ray) is workloads.lab_results
from workloads.lab_results import (
    DEFAULT_SIZES,
    KINDS,
    SweepPoint,
    SweepSummary,
    add_arguments,
    parse_sizes,
    point_event,
    summarize,
    sweep_title,
    table_header,
    table_row,
    validate,
)

# --- measuring (needs an initialised Ray: this process is the driver) ----------


def time_local_at_nice(size: int, count: int, return_sequence: bool, nice: int) -> float:
    """`fibonacci.time_local` in a thread running at Ray's worker niceness.

    Ray starts task workers at nice 15 (`RAY_worker_niceness`), so on a machine with
    any other load a nice-0 local loop wins by a factor of several for reasons that
    have nothing to do with distribution. Linux nice values are per thread, and a
    fresh thread lowers only its own priority, which ends with it.
    """
    elapsed: list[float] = []

    def run() -> None:
        # not Linux: measure at the normal priority
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        elapsed.append(fibonacci.time_local(size, count, return_sequence=return_sequence))

    thread = threading.Thread(target=run, name="lab-local-loop")
    thread.start()
    thread.join()
    return elapsed[0]


def _worker_nice() -> int:
    return os.nice(0)


def worker_niceness(count: int) -> int:
    """The nice value Ray's task workers really run at (asked of the workers)."""
    import ray

    task = ray.remote(_worker_nice)
    return max(ray.get([task.remote() for _ in range(count)]))


def measure_point(kind: str, size: int, count: int, repeats: int,
                  local_nice: int = 0) -> SweepPoint:
    # local and remote alternate inside each repeat so machine noise hits both
    local, remote, remote_size = [], [], []
    returns_sequence = kind == "io"
    for _ in range(repeats):
        local.append(time_local_at_nice(size, count, returns_sequence, local_nice))
        remote.append(fibonacci.time_remote(size, count, return_sequence=returns_sequence))
        if returns_sequence:
            remote_size.append(fibonacci.time_remote(size, count))
    local_s, remote_s = statistics.median(local), statistics.median(remote)
    speedup = local_s / remote_s if remote_s > 0 else float("inf")
    if not returns_sequence:
        return SweepPoint(kind, size, count, repeats, local_s, remote_s, speedup)
    size_only_s = statistics.median(remote_size)
    return SweepPoint(kind, size, count, repeats, local_s, remote_s, speedup,
                      remote_size_s=size_only_s, transfer_s=max(0.0, remote_s - size_only_s),
                      bytes=returned_bytes(size, count))


def returned_bytes(size: int, count: int) -> int:
    """Serialized bytes of the `count` sequences a fan-out returns (an untimed run)."""
    import ray

    refs = [fibonacci.fibonacci_sequence_distributed.remote(size) for _ in range(count)]
    ray.wait(refs, num_returns=len(refs), fetch_local=False)
    locations = ray.experimental.get_object_locations(refs)
    total = sum(int(locations[ref]["object_size"] or 0) for ref in refs)
    del refs  # frees the objects
    return total


def warm(kind: str, count: int) -> None:
    """Start the workers and run each task once so no size pays for start-up."""
    fibonacci.warm_up(count)
    fibonacci.time_remote(1_000, count)
    if kind == "io":
        fibonacci.time_remote(1_000, count, return_sequence=True)


def cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_sweep(kind: str, sizes: Sequence[int], count: int | None, repeats: int,
              on_point: Callable[[SweepPoint], None] | None = None) -> SweepSummary:
    count = cluster_cpus() if count is None else count
    validate(count, repeats)
    warm(kind, count)
    nice = worker_niceness(count)
    points = []
    for size in sizes:
        point = measure_point(kind, size, count, repeats, local_nice=nice)
        points.append(point)
        if on_point is not None:
            on_point(point)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return summarize(kind, count, repeats, points, local_nice=nice, load_average=load,
                     cores=os.cpu_count())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the job driver: connects to the cluster the job runs on."""
    parser = argparse.ArgumentParser(prog="python -m workloads.lab")
    parser.add_argument("kind", choices=KINDS)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        sizes = parse_sizes(args.sizes) if args.sizes else DEFAULT_SIZES[args.kind]
        validate(args.count if args.count is not None else 1, args.repeats)
    except ValueError as err:
        parser.error(str(err))

    def emit(point: SweepPoint) -> None:
        print(json.dumps(point_event(point)) if args.json else table_row(point), flush=True)

    import ray

    ray.init(log_to_driver=False)  # inside a Ray job this attaches to its cluster
    try:
        if not args.json:
            print(sweep_title(args.kind, args.count, args.repeats))
            print(table_header(args.kind), flush=True)
        summary = run_sweep(args.kind, sizes, args.count, args.repeats, emit)
    finally:
        ray.shutdown()
    print(json.dumps(summary.to_json()) if args.json else summary.message)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
