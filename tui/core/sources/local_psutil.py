"""psutil on this machine: fresh per-worker CPU and memory at the poll interval.

`psutil.Process.cpu_percent()` measures since the previous call on the *same
object* (the first call returns 0), so the objects are cached by pid, and checked
against their create time (`is_running`): a reused pid gets a new object instead
of a bogus reading.

USS (unique set size: what ending the process would free) comes from
`memory_full_info().uss`, which makes the kernel walk the process's page tables
(/proc/PID/smaps_rollup): 3-15 ms for a Ray worker on this busy 2-core machine, ~100
times the cost of RSS (`make bench BENCH=local_uss`). So it is read at most
`USS_READS_PER_SAMPLE` times per call, oldest first, and each process's figure is
kept for `USS_EVERY_S` before it is read again. The dashboard cannot give it instead:
its `memoryFullInfo.uss` is null on Linux in Ray 2.60.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

import psutil

from tui.core.sources.dashboard import NodeStats, ProcessStats

USS_EVERY_S = 10.0  # a process's USS is read again after this long
USS_READS_PER_SAMPLE = 4  # at most this many USS reads per `sample` call


class LocalProcessSampler:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 uss_reads_per_sample: int = USS_READS_PER_SAMPLE) -> None:
        self._processes: dict[int, psutil.Process] = {}
        self._uss: dict[int, tuple[float, int | None]] = {}  # pid -> (read at, bytes)
        self._clock = clock
        self._uss_reads = uss_reads_per_sample
        self._last_cpu_times: tuple[float, float] | None = None  # (busy, total) seconds

    def sample(self, pids: Iterable[int]) -> dict[int, ProcessStats]:
        """Stats for the pids that exist here; others are simply absent."""
        stats: dict[int, ProcessStats] = {}
        for pid in set(pids):
            try:
                proc = self._processes.get(pid)
                if proc is None or not proc.is_running():  # is_running checks create time
                    proc = self._processes[pid] = psutil.Process(pid)
                    self._uss.pop(pid, None)  # a new process behind an old pid
                with proc.oneshot():
                    cpu = proc.cpu_percent(None)
                    rss = proc.memory_info().rss
                    cmdline = proc.cmdline()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                self._processes.pop(pid, None)
                continue
            title = " ".join(part for part in cmdline if part)[:200]
            stats[pid] = ProcessStats(cpu_percent=cpu, rss_bytes=rss, title=title)
        self._read_uss_due(stats)
        return {pid: replace(stat, uss_bytes=self._uss.get(pid, (0.0, None))[1])
                for pid, stat in stats.items()}

    def _read_uss_due(self, pids: Iterable[int]) -> None:
        """Read the USS of the few processes whose figure is oldest (or missing)."""
        now = self._clock()
        due = sorted((self._uss.get(pid, (-math.inf, None))[0], pid) for pid in pids)
        for read_at, pid in due[:self._uss_reads]:
            if now - read_at < USS_EVERY_S:
                break
            try:
                uss: int | None = self._processes[pid].memory_full_info().uss
            except psutil.AccessDenied:  # smaps needs ptrace rights: unknown, asked again later
                uss = None
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            self._uss[pid] = (now, uss)

    def keep_only(self, pids: Iterable[int]) -> None:
        """Drop cached objects of workers that are gone: memory does not grow with uptime."""
        wanted = set(pids)
        for pid in list(self._processes):
            if pid not in wanted:
                del self._processes[pid]
        for pid in list(self._uss):
            if pid not in wanted:
                del self._uss[pid]

    def node_stats(self) -> NodeStats | None:
        """This machine's CPU since the previous call; None on the first call."""
        # Our own delta of cpu_times, not psutil.cpu_percent(): that one keeps a single
        # module-wide "previous" which any other caller in this process would reset.
        times = psutil.cpu_times()
        # guest time is already inside user time on Linux: do not count it twice
        total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
        idle = times.idle + getattr(times, "iowait", 0.0)
        busy_total = (total - idle, total)
        previous, self._last_cpu_times = self._last_cpu_times, busy_total
        if previous is None or busy_total[1] <= previous[1]:
            return None
        cpu = 100.0 * (busy_total[0] - previous[0]) / (busy_total[1] - previous[1])
        mem = psutil.virtual_memory()
        return NodeStats(cpu_percent=max(0.0, min(100.0, cpu)),
                         memory_used_bytes=mem.total - mem.available,
                         memory_total_bytes=mem.total)
