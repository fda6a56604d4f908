"""Issue 11: what reading USS locally (psutil `memory_full_info`) adds to a poll.

On a real local cluster with WORKERS actors, each holding 50 MiB: the cost of one
`LocalProcessSampler.sample()` call over their pids (as the collector calls it, once a
poll at 0.5 s steps) side by side: without USS (0 reads a call), as shipped (at most
`USS_READS_PER_SAMPLE` reads a call, each figure renewed every `USS_EVERY_S`), and
with no cap (every due figure read in one call). Also one read of RSS and of USS per
process.
Target: as shipped, USS adds on average at most 5 % of the 0.5 s poll interval (25 ms)
a call. Its cost is bounded by the reads a call, whatever the number of workers: with
many, each figure is renewed less often instead.
"""

from __future__ import annotations

import statistics
import time

import psutil
import ray

from tui.core.sources.local_psutil import USS_READS_PER_SAMPLE, LocalProcessSampler

WORKERS = 12
CALLS = 60
STEP_S = 0.5  # the poll interval the calls stand for
TARGET_EXTRA_MS = 0.05 * STEP_S * 1000


@ray.remote(num_cpus=0)
class Holder:
    def __init__(self) -> None:
        self.held = bytearray(50 * 1024 * 1024)
        for i in range(0, len(self.held), 4096):
            self.held[i] = 1

    def pid(self) -> int:
        import os

        return os.getpid()


class SteppedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def call_costs_ms(pids: list[int], reads_per_call: int) -> list[float]:
    clock = SteppedClock()
    sampler = LocalProcessSampler(clock, uss_reads_per_sample=reads_per_call)
    sampler.sample(pids)  # the first call creates the process objects
    costs = []
    for _ in range(CALLS):
        clock.now += STEP_S
        start = time.perf_counter()
        sampler.sample(pids)
        costs.append((time.perf_counter() - start) * 1000)
    return costs


def one_read_ms(pids: list[int], read: str) -> float:
    costs = []
    for pid in pids:
        proc = psutil.Process(pid)
        start = time.perf_counter()
        getattr(proc, read)()
        costs.append((time.perf_counter() - start) * 1000)
    return statistics.median(costs)


def main() -> int:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        holders = [Holder.remote() for _ in range(WORKERS)]  # type: ignore[attr-defined]
        pids = ray.get([h.pid.remote() for h in holders])
        print(f"{WORKERS} actors holding 50 MiB each; {CALLS} sample() calls at "
              f"{STEP_S} s steps")
        print(f"one read per process, median: memory_info (RSS) "
              f"{one_read_ms(pids, 'memory_info'):.2f} ms, memory_full_info (USS) "
              f"{one_read_ms(pids, 'memory_full_info'):.2f} ms")
        means = {}
        for label, reads in (("no USS", 0), (f"shipped ({USS_READS_PER_SAMPLE} a call)",
                                            USS_READS_PER_SAMPLE), ("no cap (all due at once)", WORKERS)):
            costs = call_costs_ms(pids, reads)
            means[reads] = statistics.mean(costs)
            print(f"sample() {label:>22}: median {statistics.median(costs):6.2f} ms, "
                  f"mean {means[reads]:6.2f} ms, max {max(costs):6.2f} ms")
        extra = means[USS_READS_PER_SAMPLE] - means[0]
        print(f"shipped vs no USS: +{extra:.2f} ms a call on average "
              f"(target <= {TARGET_EXTRA_MS:.0f})")
        return 0 if extra <= TARGET_EXTRA_MS else 1
    finally:
        ray.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
