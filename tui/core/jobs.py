"""Launching workloads as separate Ray jobs (their own driver process).

A workload never runs inside the monitor's process: a crash or a `ray.get` that
blocks stays in the job. The code travels with the job (`py_modules`), so the
same launch works on an attached remote cluster that never installed raytui.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import shlex
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
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


def last_json_object(output: str) -> dict[str, Any] | None:
    """The result a workload printed: its last line that is a JSON object."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def workload_runtime_env() -> dict[str, Any]:
    import workloads

    return {"py_modules": [str(Path(workloads.__file__).parent)]}


SUBMIT_RETRY_S = 30.0
# How Ray's job API refuses while a fresh cluster's job agent is still starting.
AGENT_NOT_READY = ("No available agent to submit job", "try again later")
NO_AGENT_HINT = (
    "Ray's job agent did not take the job. On a cluster started with `ray start`, its "
    "port (52365 by default) may be held by another Ray cluster on the same machine; "
    "stop the other cluster, or pass the GCS address (host:6379) instead of the "
    "dashboard URL so the workload runs without a job"
)


class SubmitCancelled(Exception):
    """The caller's stop event was set while waiting for the job agent."""


@contextmanager
def quiet_job_sdk() -> Iterator[None]:
    """Ray's job SDK logs "Uploading package ..." at INFO straight to stderr, which
    lands on top of a TUI's screen and in the middle of a CLI's output."""
    logger = logging.getLogger("ray.dashboard.modules.dashboard_sdk")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def submit_when_agent_ready(
    submit_once: Callable[[], str],
    *,
    retry_s: float = SUBMIT_RETRY_S,
    pause_s: float = 1.0,
    on_wait: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> str:
    """Call `submit_once`, retrying while a starting cluster's job agent refuses.

    `on_wait` hears why we wait; setting `stop` abandons with SubmitCancelled.
    Other errors, and the refusal after `retry_s`, are raised.
    """
    deadline = time.monotonic() + retry_s
    while True:
        try:
            return submit_once()
        except Exception as err:
            if not any(text in str(err) for text in AGENT_NOT_READY):
                raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"cannot submit the job: {NO_AGENT_HINT}") from err
        if on_wait is not None:
            on_wait("waiting for Ray's job agent to start")
        if stop is not None:
            if stop.wait(pause_s):
                raise SubmitCancelled()
        else:
            time.sleep(pause_s)


class JobLauncher:
    """A thin, typed wrapper over Ray's JobSubmissionClient for one dashboard."""

    def __init__(self, dashboard_url: str) -> None:
        from ray.job_submission import JobSubmissionClient

        from tui.core.connection import enable_token_mode

        enable_token_mode()
        self.dashboard_url = dashboard_url
        self.local = is_local_url(dashboard_url)
        self._client = JobSubmissionClient(dashboard_url)

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        """Submit `python -m module args` once (see `submit_when_agent_ready`)."""
        with quiet_job_sdk():
            return str(self._client.submit_job(
                entrypoint=workload_entrypoint(module, args, self.local),
                # A local cluster runs this interpreter, which has the code installed;
                # shipping it anyway races with Ray's package cleanup between jobs
                # ("Failed to download runtime_env file package").
                runtime_env=None if self.local else workload_runtime_env(),
                metadata={"raytui": name or module},
            ))

    def run(self, module: str, args: Sequence[str], name: str = "") -> tuple[JobState, str]:
        """Submit and follow to the end: the terminal state and the job's whole output."""
        job_id = submit_when_agent_ready(lambda: self.submit(module, args, name))
        output = ""
        state = JobState(job_id, "PENDING")
        for state, new_text in self.follow(job_id):  # noqa: B007 - the last one is the result
            output += new_text
        return state, output

    def state(self, job_id: str) -> JobState:
        info = self._client.get_job_info(job_id)
        return JobState(job_id, str(info.status), info.message or "")

    def logs(self, job_id: str) -> str:
        return str(self._client.get_job_logs(job_id))

    def stop(self, job_id: str) -> None:
        self._client.stop_job(job_id)

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        """Yield (state, new output) until the job ends; the last item is terminal."""
        seen = 0
        while True:
            state = self.state(job_id)
            text = self.logs(job_id)
            new, seen = text[seen:], len(text)
            yield state, new
            if state.finished:
                return
            time.sleep(poll_s)
