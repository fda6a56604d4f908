"""Submitting a lab sweep as a Ray job, shared by `raytui lab` and the Lab screen.

Ray's job API answers "No available agent to submit job, please try again later"
while the dashboard agent starts: a transient refusal, retried here for a while.
It also answers so for good when the agent could not bind its HTTP port (seen on
this machine when several Ray clusters run at once): then say that plainly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from workloads import lab_results as lab

TRANSIENT = ("No available agent to submit job",)
RETRY_S = 30.0
NO_AGENT_HINT = (
    "Ray's job agent on this cluster serves no HTTP. Its port (52365 by default) is "
    "probably held by another Ray cluster on the same machine; the agent then stays up "
    "without HTTP and no job can be submitted. Stop the other cluster, or run "
    "`raytui lab` with the GCS address (host:6379) so the sweep runs without a job"
)


class Submitter(Protocol):
    def submit(self, module: str, args: Sequence[str], name: str = "") -> str: ...


@contextmanager
def quiet_job_sdk() -> Iterator[None]:
    """Ray's job SDK logs "Uploading package ..." at INFO straight to the terminal's
    stderr (its handler was bound before a TUI took the screen): garbage over the UI."""
    logger = logging.getLogger("ray.dashboard.modules.dashboard_sdk")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def submit_sweep(launcher: Submitter, kind: str, sizes: Sequence[int], count: int | None,
                 repeats: int, retry_s: float = RETRY_S, pause_s: float = 1.0) -> str:
    deadline = time.monotonic() + retry_s
    while True:
        try:
            with quiet_job_sdk():
                return launcher.submit("workloads.lab",
                                       lab.job_arguments(kind, sizes, count, repeats),
                                       name=f"lab {kind}")
        except Exception as err:
            if not any(text in str(err) for text in TRANSIENT):
                raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"cannot submit the sweep: {NO_AGENT_HINT}") from err
            time.sleep(pause_s)
