"""The GSOD workload, as the app's keys, its form and `raytui run gsod` launch it.

Its defaults, flags and checks are the workload's own (`workloads.gsod`), read when
asked for rather than at import: `workloads.gsod.compare` imports Ray, and building the
command line's parser must not (see tests/unit/test_imports.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tui.launch.job_run import JobSpec, last_json_object

MODULE = "workloads.gsod"


@dataclass(frozen=True)
class GsodParams:
    years: tuple[int, int]
    scale: float
    high_temp: float
    seed: int
    data_dir: Path | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> GsodParams:
        return cls((args.years[0], args.years[1]), args.scale, args.high_temp, args.seed,
                   args.data_dir)

    def to_args(self) -> argparse.Namespace:
        return argparse.Namespace(years=list(self.years), scale=self.scale,
                                  high_temp=self.high_temp, seed=self.seed,
                                  data_dir=self.data_dir)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from workloads.gsod.__main__ import add_arguments as workload_arguments

    workload_arguments(parser)


def default_params() -> GsodParams:
    from workloads.gsod import compare

    return GsodParams(compare.DEFAULT_YEARS, compare.DEFAULT_SCALE, compare.DEFAULT_HIGH_TEMP,
                      compare.DEFAULT_SEED)


def watch_params() -> GsodParams:
    """What the app's g key (and its form) launches: a scale whose load lasts long enough
    to watch the two actors load in parallel (`workloads.gsod.WATCHABLE_SCALE`)."""
    from workloads.gsod import WATCHABLE_SCALE

    return replace(default_params(), scale=WATCHABLE_SCALE)


def check(params: GsodParams) -> None:
    """ValueError naming the flag: the workload's own checks."""
    from workloads.gsod.__main__ import validate

    validate(params.to_args())


def parse_result(output: str) -> dict[str, Any] | None:
    data = last_json_object(output)
    return data if data is not None and "stations_in_common" in data else None


def summary(result: dict[str, Any]) -> Sequence[str]:
    return [f"{key}: {value}" for key, value in result.items()
            if isinstance(value, str | int | float | bool) or value is None]


def job_arguments(params: GsodParams) -> list[str]:
    args = ["--years", *map(str, params.years), "--high-temp", f"{params.high_temp:g}",
            "--scale", f"{params.scale:g}", "--seed", str(params.seed), "--json",
            "--progress-json"]  # each actor's load progress, for the Workload tab's bars
    return args + (["--data-dir", str(params.data_dir)] if params.data_dir else [])


def job(params: GsodParams) -> JobSpec[dict[str, Any]]:
    year_a, year_b = params.years
    return JobSpec(f"GSOD {year_a} vs {year_b} scale={params.scale:g}", MODULE,
                   tuple(job_arguments(params)), "gsod", parse_result, summary)
