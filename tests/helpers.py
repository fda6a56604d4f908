"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

import math
import sys
import time

import psutil

RAY_PROCESS_NAMES = ("raylet", "gcs_server")


def ray_daemon_pids() -> set[int]:
    """Pids of Ray's per-cluster daemons on this machine (one raylet and GCS per node)."""
    pids = set()
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            name = proc.info["name"] or ""
            cmd = " ".join(proc.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        is_daemon = name in RAY_PROCESS_NAMES or any(f"/{n} " in cmd for n in RAY_PROCESS_NAMES)
        if is_daemon and proc.status() != psutil.STATUS_ZOMBIE:
            pids.add(proc.pid)
    return pids


# A test that times real work (a crossover, how soon a flag rises) starts once the
# machine's cores are mostly free: a cluster another test just stopped takes seconds of
# CPU to exit (its raylet, dashboard and agents), and on 2 cores that halves a fan-out.
QUIET_BELOW_PERCENT = 50.0  # of all cores, over one second
QUIET_WAIT_S = 30.0


def wait_until_quiet(timeout_s: float = QUIET_WAIT_S) -> float:
    """Wait (at most `timeout_s`) for a second with the machine's CPUs under
    QUIET_BELOW_PERCENT busy; the seconds waited. A machine that stays busy is measured
    all the same, and the wait is said on stderr (pytest shows it with a failure)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if psutil.cpu_percent(interval=1.0) < QUIET_BELOW_PERCENT:
            return time.monotonic() - started
    waited = time.monotonic() - started
    print(f"the machine stayed busy for {waited:.0f} s before this test", file=sys.stderr)
    return waited


# Real Fibonacci runs that must outlast a detector's window. A size-100000 sequence
# takes 0.25 s on a warm worker of this machine when it is quiet (measured: 12 serial
# tasks in 3 s), up to ~0.7 s when colleagues load it: a count picked at the slow figure
# makes a run shorter than the window on a quiet machine, and the flag then fires only
# by luck (a lesson step once failed that way).
FIB_SIZE = 100_000
FAST_FIB_TASK_S = 0.25


def fib_count_lasting(seconds: float, cores: int = 1) -> int:
    """Tasks of size FIB_SIZE that keep `cores` workers busy for at least `seconds`."""
    return cores * math.ceil(seconds / FAST_FIB_TASK_S)
