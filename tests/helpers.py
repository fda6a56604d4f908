"""Small helpers shared by tests (no fixtures here)."""

from __future__ import annotations

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
