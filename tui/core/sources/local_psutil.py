"""psutil on this machine: fresh per-worker CPU and memory at the poll interval.

`psutil.Process.cpu_percent()` measures since the previous call on the *same
object* (the first call returns 0), so the objects are cached by pid, and checked
against their create time (`is_running`): a reused pid gets a new object instead
of a bogus reading.
"""

from __future__ import annotations

from collections.abc import Iterable

import psutil

from tui.core.sources.dashboard import NodeStats, ProcessStats


class LocalProcessSampler:
    def __init__(self) -> None:
        self._processes: dict[int, psutil.Process] = {}
        self._last_cpu_times: tuple[float, float] | None = None  # (busy, total) seconds

    def sample(self, pids: Iterable[int]) -> dict[int, ProcessStats]:
        """Stats for the pids that exist here; others are simply absent."""
        stats: dict[int, ProcessStats] = {}
        for pid in set(pids):
            try:
                proc = self._processes.get(pid)
                if proc is None or not proc.is_running():  # is_running checks create time
                    proc = self._processes[pid] = psutil.Process(pid)
                with proc.oneshot():
                    cpu = proc.cpu_percent(None)
                    rss = proc.memory_info().rss
                    cmdline = proc.cmdline()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                self._processes.pop(pid, None)
                continue
            title = " ".join(part for part in cmdline if part)[:200]
            stats[pid] = ProcessStats(cpu_percent=cpu, rss_bytes=rss, title=title)
        return stats

    def keep_only(self, pids: Iterable[int]) -> None:
        """Drop cached objects of workers that are gone: memory does not grow with uptime."""
        wanted = set(pids)
        for pid in list(self._processes):
            if pid not in wanted:
                del self._processes[pid]

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
