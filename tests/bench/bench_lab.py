"""Issue 6: the lab's default sweeps on a fresh local cluster, as `raytui lab` runs them.

Targets: the default compute sweep brackets the crossover (remote slower at the
smallest size, faster at the largest) and finishes in about a minute (under 90 s);
the default io sweep reaches the size where moving the data dominates.
"""

from __future__ import annotations

import time

from tui.core.connection import ClusterAddress, RayConnection
from workloads import lab, lab_results

COMPUTE_BUDGET_S = 90.0


def run(kind: lab_results.Kind) -> tuple[lab_results.SweepSummary, float]:
    print(lab_results.sweep_title(kind, None, lab_results.DEFAULT_REPEATS))
    print(lab_results.table_header(kind), flush=True)
    start = time.perf_counter()
    summary = lab.run_sweep(kind, lab_results.DEFAULT_SIZES[kind], None,
                            lab_results.DEFAULT_REPEATS,
                            lambda point: print(lab_results.table_row(point), flush=True))
    elapsed = time.perf_counter() - start
    print(f"{summary.message}\n({kind} sweep: {elapsed:.0f} s, {summary.count} tasks per size, "
          f"local loop at nice {summary.local_nice})", flush=True)
    return summary, elapsed


def main() -> int:
    with RayConnection(ClusterAddress("local")):
        compute, compute_s = run("compute")
        io, _ = run("io")
    first, last = compute.points[0], compute.points[-1]
    checks = {
        "remote slower at the smallest size": not first.remote_faster,
        "remote faster at the largest size": last.remote_faster,
        "crossover inside the range": compute.crossover_size is not None
        and first.size < compute.crossover_size <= last.size,
        f"compute sweep under {COMPUTE_BUDGET_S:.0f} s": compute_s < COMPUTE_BUDGET_S,
        "io: transfer dominates somewhere in range": io.transfer_dominates_size is not None,
    }
    for name, ok in checks.items():
        print(f"  {'met' if ok else 'NOT met'}: {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
