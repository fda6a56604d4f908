"""Submitting a lab sweep as a Ray job, shared by `raytui lab` and the Lab screen.

Ray's job API answers "No available agent to submit job, please try again later"
while the dashboard agent starts, or when the head is overloaded: a transient
refusal, retried here for a few seconds instead of failing a minute-long sweep.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from workloads import lab_results as lab

TRANSIENT = ("No available agent to submit job",)
RETRY_S = 20.0


class Submitter(Protocol):
    def submit(self, module: str, args: Sequence[str], name: str = "") -> str: ...


def submit_sweep(launcher: Submitter, kind: str, sizes: Sequence[int], count: int | None,
                 repeats: int, retry_s: float = RETRY_S, pause_s: float = 1.0) -> str:
    deadline = time.monotonic() + retry_s
    while True:
        try:
            return launcher.submit("workloads.lab",
                                   lab.job_arguments(kind, sizes, count, repeats),
                                   name=f"lab {kind}")
        except Exception as err:
            if not any(text in str(err) for text in TRANSIENT) or time.monotonic() > deadline:
                raise
            time.sleep(pause_s)
