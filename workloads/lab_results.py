"""The lab's results: what a sweep measured, the crossover rules, the JSON events, text.

Pure Python with no Ray import, so the monitor can read and plot a sweep's output
without loading Ray; `workloads.lab` does the measuring and re-exports all of this.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["compute", "io"]
KINDS: tuple[Kind, ...] = ("compute", "io")

# From "Ray overhead dominates" (a few ms of scheduling for microseconds of work) to
# "clearly faster" (hundreds of ms per task), measured on a 2-core machine: the
# crossover moved between 10k and 80k with load there. About a minute with the defaults.
DEFAULT_SIZES: dict[Kind, tuple[int, ...]] = {
    # Not 200k: two tasks holding 1.7 GB each contend for memory on a small machine
    # and lost to the loop in one run of three there.
    "compute": (1_000, 3_000, 10_000, 20_000, 40_000, 70_000, 100_000, 150_000),
    # 60k returns about 0.15 GB per sequence: big enough to see transfer take over.
    "io": (100, 1_000, 3_000, 10_000, 30_000, 60_000),
}
DEFAULT_REPEATS = 5  # the median of 5 rides out a busy neighbour; ~1 min for compute
MAX_SIZE = 1_000_000  # 1M holds ~40 GB of big integers per task: surely a typo


@dataclass(frozen=True)
class SweepPoint:
    """Medians for one size. `speedup` = local_s / remote_s: above 1, remote is faster."""

    kind: str
    size: int
    count: int
    repeats: int
    local_s: float
    remote_s: float
    speedup: float
    # io only: the fan-out returning sizes, the extra time of returning sequences, bytes
    remote_size_s: float | None = None
    transfer_s: float | None = None
    bytes: int | None = None

    @property
    def remote_faster(self) -> bool:
        return self.remote_s < self.local_s

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.kind == "compute":
            for key in ("remote_size_s", "transfer_s", "bytes"):
                data.pop(key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SweepPoint:
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class SweepSummary:
    kind: str
    count: int
    repeats: int
    points: tuple[SweepPoint, ...]
    crossover_size: int | None
    message: str
    transfer_dominates_size: int | None = None  # io only
    local_nice: int | None = None  # the local loop ran at Ray's worker niceness
    # 1-minute load average and cores of the driver's machine, when the sweep ended
    load_average: float | None = None
    cores: int | None = None

    @property
    def sizes(self) -> list[int]:
        return [p.size for p in self.points]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": "summary",
            "kind": self.kind,
            "count": self.count,
            "repeats": self.repeats,
            "sizes": self.sizes,
            "points": [p.to_json() for p in self.points],
            "crossover_size": self.crossover_size,
            "message": self.message,
            "local_nice": self.local_nice,
            "load_average": self.load_average,
            "cores": self.cores,
        }
        if self.kind == "io":
            data["transfer_dominates_size"] = self.transfer_dominates_size
        return data


# --- pure logic ---------------------------------------------------------------


def parse_sizes(text: str) -> tuple[int, ...]:
    """'1000,10k,1e5' -> (1000, 10000, 100000), sorted and without duplicates."""
    sizes: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        scale = 1
        if part[-1] in "kK":
            part, scale = part[:-1], 1000
        try:
            value = float(part) * scale
        except ValueError:
            raise ValueError(f"--sizes: {part!r} is not a number") from None
        if value != int(value) or not 1 <= value <= MAX_SIZE:
            raise ValueError(f"--sizes: {part}{'k' if scale > 1 else ''} must be a whole "
                             f"number from 1 to {MAX_SIZE}")
        sizes.add(int(value))
    if not sizes:
        raise ValueError("--sizes: give at least one size, e.g. 1000,10000,100000")
    return tuple(sorted(sizes))


def validate(count: int, repeats: int) -> None:
    if count < 1:
        raise ValueError(f"--count must be 1 or more, got {count}")
    if repeats < 1:
        raise ValueError(f"--repeats must be 1 or more, got {repeats}")


def step_fit(points: Sequence[SweepPoint], log_ratio: Callable[[SweepPoint], float]) -> int | None:
    """Where a quantity changes sign, fitted as one step over the sizes.

    `log_ratio` is above 0 where the condition holds (e.g. log of local/remote: remote
    faster). The step is put at the measured size that best splits "no" below from
    "yes" from there on: each point on the wrong side costs its |log ratio|, so a
    noisy near-tie weighs little and one wild point cannot move the crossover to the
    end of the range. None when "no" everywhere fits best. The chosen size always
    has the condition true at itself (moving the step past a "no" point lowers the cost).
    """
    ordered = sorted(points, key=lambda p: p.size)
    logs = [log_ratio(p) for p in ordered]
    best: tuple[float, int | None] = (sum(max(0.0, v) for v in logs), None)  # no step
    for index, point in enumerate(ordered):
        cost = (sum(max(0.0, v) for v in logs[:index])
                + sum(max(0.0, -v) for v in logs[index:]))
        if cost < best[0] - 1e-12:
            best = (cost, point.size)
    return best[1]


def _log(value: float) -> float:
    return math.log(value) if value > 0 else -math.inf if value == 0 else 0.0


def crossover_size(points: Sequence[SweepPoint]) -> int | None:
    """The smallest size from which remote is faster, fitted over the sweep's noise."""
    return step_fit(points, lambda p: _log(p.local_s / p.remote_s) if p.remote_s > 0 else 0.0)


def transfer_dominates_size(points: Sequence[SweepPoint]) -> int | None:
    """The smallest size from which moving the result takes longer than computing it."""
    return step_fit(points, lambda p: _log((p.transfer_s or 0.0) / p.remote_size_s)
                    if p.remote_size_s else 0.0)


def off_the_step(points: Sequence[SweepPoint], crossover: int | None) -> list[SweepPoint]:
    """Points on the wrong side of the fitted crossover: the noise, named honestly."""
    return [p for p in points
            if p.remote_faster != (crossover is not None and p.size >= crossover)]


def crossover_message(points: Sequence[SweepPoint], crossover: int | None) -> str:
    if not points:
        return "no sizes measured"
    largest = max(points, key=lambda p: p.size)
    if crossover is None:
        why = ("try larger sizes" if largest.kind == "compute" else
               "moving the sequences costs more than the parallelism saves")
        message = (f"no crossover in range: remote is not faster from any size on, up to "
                   f"{largest.size} ({largest.speedup:.2f}x there); {why}")
    else:
        at = next(p for p in points if p.size == crossover)
        if crossover == min(p.size for p in points):
            message = (f"remote is faster at every size measured ({at.speedup:.2f}x at "
                       f"{crossover}); try smaller sizes to see Ray's overhead dominate")
        else:
            message = (f"crossover at size {crossover}: remote is faster from there on "
                       f"({at.speedup:.2f}x), local wins below (Ray's per-task overhead "
                       "dominates)")
    noisy = off_the_step(points, crossover)
    if noisy:
        message += " (against the trend, probably noise: " + ", ".join(
            f"{'remote' if p.remote_faster else 'local'} won at {p.size} "
            f"({p.speedup:.2f}x)" for p in noisy) + ")"
    return message


BUSY_LOAD_PER_CORE = 2.0  # the sweep itself keeps about 2 processes busy


def busy_note(load_average: float | None, cores: int | None) -> str:
    """Why a fan-out may not win at all: other work already had the CPUs."""
    if load_average is None or not cores or load_average <= BUSY_LOAD_PER_CORE * cores:
        return ""
    return (f" [the machine was busy: load average {load_average:.1f} on {cores} cores; the "
            "fan-out competed with that for CPUs, so rerun when it is quieter]")


def summarize(kind: str, count: int, repeats: int, points: Sequence[SweepPoint],
              local_nice: int | None = None, load_average: float | None = None,
              cores: int | None = None) -> SweepSummary:
    ordered = tuple(sorted(points, key=lambda p: p.size))
    crossover = crossover_size(ordered)
    message = crossover_message(ordered, crossover)
    transfer_size = None
    if kind == "io":
        transfer_size = transfer_dominates_size(ordered)
        message += "; " + (
            f"moving the data takes longer than computing it from size {transfer_size} on"
            if transfer_size is not None else
            "computing takes longer than moving the data at every size measured")
    message += busy_note(load_average, cores)
    return SweepSummary(kind, count, repeats, ordered, crossover, message, transfer_size,
                        local_nice, load_average, cores)


def point_event(point: SweepPoint) -> dict[str, Any]:
    return {"event": "point", **point.to_json()}


class SweepEventReader:
    """Turns a job's log, arriving in arbitrary chunks, into the sweep's JSON events."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[dict[str, Any]]:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        return [event for line in lines if (event := parse_event(line)) is not None]

    def close(self) -> list[dict[str, Any]]:
        line, self._pending = self._pending, ""
        event = parse_event(line)
        return [event] if event is not None else []


def parse_event(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None  # Ray's own log lines share the job's output
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and data.get("event") in ("point", "summary") else None


# --- text output ----------------------------------------------------------------


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def format_bytes(count: int | None) -> str:
    if count is None:
        return "-"
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def table_header(kind: str) -> str:
    head = f"{'size':>8}  {'local':>10}  {'remote':>10}  {'local/remote':>12}  faster"
    if kind == "io":
        head += f"  {'size-only':>10}  {'transfer':>10}  {'bytes':>9}"
    return head


def table_row(point: SweepPoint) -> str:
    row = (f"{point.size:>8}  {format_seconds(point.local_s):>10}  "
           f"{format_seconds(point.remote_s):>10}  {point.speedup:>11.2f}x  "
           f"{'remote' if point.remote_faster else 'local ':6}")
    if point.kind == "io":
        row += (f"  {format_seconds(point.remote_size_s or 0):>10}  "
                f"{format_seconds(point.transfer_s or 0):>10}  {format_bytes(point.bytes):>9}")
    return row


def sweep_title(kind: str, count: int | None, repeats: int) -> str:
    what = "returning the whole sequence" if kind == "io" else "returning the size"
    tasks = f"{count} sequences" if count is not None else "one sequence per CPU"
    return (f"{kind} sweep: {tasks} per size, local loop vs Ray fan-out {what}, "
            f"warm cluster, median of {repeats}")


def job_arguments(kind: str, sizes: Sequence[int], count: int | None, repeats: int) -> list[str]:
    """The command line of `python -m workloads.lab` for one sweep, JSON output."""
    args = [kind, "--sizes", ",".join(map(str, sizes)), "--repeats", str(repeats), "--json"]
    return args + (["--count", str(count)] if count is not None else [])


def add_arguments(parser: argparse.ArgumentParser,
                  json_help: str = "print JSON: one line per size, then the summary") -> None:
    parser.add_argument("--sizes", type=str, default=None,
                        help="comma-separated sequence sizes, e.g. 1000,10k,100k "
                             "(default: a sweep of about a minute)")
    parser.add_argument("--count", type=int, default=None,
                        help="sequences per size (default: the cluster's CPUs)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="runs per size; the median is reported (default %(default)s)")
    parser.add_argument("--json", action="store_true", help=json_help)
