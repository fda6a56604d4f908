"""The lab's two sweeps (compute, io), as the Lab screen and `raytui lab` launch them.

Defaults, checks, flags and the JSON events are `workloads.lab_results` (no Ray).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui.launch.job_run import JobSpec
from workloads import lab_results as lab

MODULE = "workloads.lab"
add_arguments = lab.add_arguments


@dataclass(frozen=True)
class SweepParams:
    kind: lab.Kind
    sizes: tuple[int, ...]
    count: int | None = None  # None: the cluster's CPUs
    repeats: int = lab.DEFAULT_REPEATS


def default_params(kind: lab.Kind, sizes: Sequence[int] | None = None,
                   count: int | None = None,
                   repeats: int = lab.DEFAULT_REPEATS) -> SweepParams:
    return SweepParams(kind, tuple(sizes or lab.DEFAULT_SIZES[kind]), count, repeats)


def params_from_flags(kind: lab.Kind, sizes: str | None, count: int | None,
                      repeats: int) -> SweepParams:
    """ValueError naming the flag for a bad --sizes, --count or --repeats."""
    params = default_params(kind, lab.parse_sizes(sizes) if sizes else None, count, repeats)
    check(params)
    return params


def check(params: SweepParams) -> None:
    lab.validate(1 if params.count is None else params.count, params.repeats)


def parse_result(output: str) -> dict[str, Any] | None:
    """The sweep's summary event (the last one) from a job's whole output."""
    reader = lab.SweepEventReader()
    events = reader.feed(output) + reader.close()
    return next((e for e in reversed(events) if e["event"] == "summary"), None)


def summary(result: dict[str, Any]) -> Sequence[str]:
    return [str(result.get("message", ""))]


def job(params: SweepParams) -> JobSpec[dict[str, Any]]:
    return JobSpec(f"lab {params.kind} sweep", MODULE,
                   tuple(lab.job_arguments(params.kind, params.sizes, params.count,
                                           params.repeats)),
                   f"lab {params.kind}", parse_result, summary)
