"""Issue 2: local vs remote Fibonacci fan-out over os.cpu_count() tasks, warm cluster.

Target: speedup >= 0.8 x cores at size 200000.
"""

from __future__ import annotations

import os
import statistics

from tui.core.connection import ClusterAddress, RayConnection
from workloads import fibonacci

SIZES = (100_000, 200_000)
REPEATS = 3


def main() -> int:
    cores = os.cpu_count() or 1
    target = 0.8 * cores
    ok = True
    with RayConnection(ClusterAddress("local")):
        fibonacci.warm_up(cores)
        fibonacci.time_remote(SIZES[0], cores)  # the first real run still pays for imports
        for size in SIZES:
            # local and remote alternate inside one run so machine noise hits both
            local, remote = [], []
            for _ in range(REPEATS):
                local.append(fibonacci.time_local(size, cores))
                remote.append(fibonacci.time_remote(size, cores))
            local_s, remote_s = statistics.median(local), statistics.median(remote)
            speedup = local_s / remote_s
            verdict = ""
            if size == 200_000:
                ok = speedup >= target
                verdict = f"  target >= {target:.1f}: {'met' if ok else 'NOT met'}"
            print(f"size {size}: local {local_s:.2f} s, remote {remote_s:.2f} s over {cores} "
                  f"tasks, speedup {speedup:.2f}x (median of {REPEATS}){verdict}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
