"""Ray's job API, typed: submit `python -m workloads.X`, follow its state and output, stop it.

`JobClient` is what the rest of the launch package needs of it (a fake implements it in
tests); `tui.launch.ray_jobs.JobLauncher` is the real one, the only module here that
reaches Ray.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: str  # PENDING, RUNNING, SUCCEEDED, FAILED, STOPPED
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATES


def is_local_url(url: str) -> bool:
    """Whether the dashboard runs on this machine (so this interpreter can be used)."""
    host = urlsplit(url).hostname or ""
    if host in ("localhost", socket.gethostname()):
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
        return host in {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except (ValueError, OSError):
        return False


def workload_entrypoint(module: str, args: Sequence[str], local: bool) -> str:
    # The job's PATH may have a `python` without Ray: locally use this interpreter.
    python = sys.executable if local else "python"
    return " ".join(shlex.quote(part) for part in (python, "-m", module, *args))


class JobClient(Protocol):
    """Submit a workload module as a job, follow it, stop it."""

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str: ...

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]: ...

    def stop(self, job_id: str) -> None: ...
