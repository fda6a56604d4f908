"""Submitting a lab sweep as a Ray job, shared by `raytui lab` and the Lab screen.

Waiting for a starting job agent is `tui.core.jobs.submit_when_agent_ready`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tui.core.jobs import SUBMIT_RETRY_S, submit_when_agent_ready
from workloads import lab_results as lab


class Submitter(Protocol):
    def submit(self, module: str, args: Sequence[str], name: str = "") -> str: ...


def submit_sweep(launcher: Submitter, kind: str, sizes: Sequence[int], count: int | None,
                 repeats: int, retry_s: float = SUBMIT_RETRY_S, pause_s: float = 1.0) -> str:
    return submit_when_agent_ready(
        lambda: launcher.submit("workloads.lab", lab.job_arguments(kind, sizes, count, repeats),
                                name=f"lab {kind}"),
        retry_s=retry_s, pause_s=pause_s)
