"""The Fibonacci experiment's inputs and results: defaults, checks, flags, the JSON result.

Pure Python with no Ray import (like `workloads.lab_results`), so the monitor's form,
its keys and the command line read the same defaults and checks without loading Ray;
`workloads.fibonacci` does the computing and uses all of this as its job driver.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict, dataclass
from typing import Any, Literal

Pattern = Literal["parallel", "serial"]
PATTERNS: tuple[Pattern, ...] = ("parallel", "serial")
DEFAULT_SIZE = 100_000
# The app's f key queues this many tasks per CPU: enough to watch the workers fill up.
WATCH_TASKS_PER_CPU = 8

# Memory a sequence holds: the list keeps every term, and term i is a Python int of
# about 0.694·i bits (log2 of the golden ratio), stored as 30-bit digits of 4 bytes
# after a 28-byte header, plus an 8-byte list slot. Summed over the terms:
# 36·n + 0.0463·n² bytes. Measured with sys.getsizeof: 117 MB at 50,000 (formula
# 117.5), 466 MB at 100,000 (466.4); 1.86 GB (1.73 GiB) at 200,000.
LOG2_GOLDEN_RATIO = 0.6942
BYTES_PER_TERM = 28 + 8
BYTES_PER_BIT = 4 / 30
MEMORY_SHARE = 0.8  # refuse a run that would hold more than this share of the memory


def sequence_bytes(size: int) -> int:
    """Bytes one `fibonacci_sequence(size)` holds while it is built."""
    return int(BYTES_PER_TERM * size + BYTES_PER_BIT * LOG2_GOLDEN_RATIO * size * size / 2)


def held_sequences(count: int, pattern: str, return_sequence: bool, cpus: int) -> int:
    """How many whole sequences exist at once at the peak of a run."""
    if return_sequence:  # the driver gets them all back, and the object store holds them
        return 2 * (count if pattern == "parallel" else 1)
    return min(count, max(1, cpus)) if pattern == "parallel" else 1


def machine_memory() -> int:
    """This machine's total memory in bytes (0 when it cannot be read)."""
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:  # pragma: no cover - psutil comes with Ray; kept for bare drivers
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return 0


def format_gb(count: float) -> str:
    return f"{count / 1e9:.1f} GB" if count < 1e12 else f"{count / 1e9:.3g} GB"


def check_memory(size: int, count: int, pattern: str = "parallel",
                 return_sequence: bool = False, cpus: int | None = None,
                 memory_bytes: int | None = None) -> None:
    """ValueError when the run would hold more than MEMORY_SHARE of the memory."""
    cpus = cpus or os.cpu_count() or 1
    memory = machine_memory() if memory_bytes is None else memory_bytes
    if memory <= 0:
        return  # unknown: nothing to check against
    held = held_sequences(count, pattern, return_sequence, cpus)
    need = sequence_bytes(size) * held
    if need <= MEMORY_SHARE * memory:
        return
    at_once = f"{held} sequences at once" if held > 1 else "one sequence"
    raise ValueError(
        f"--size {size} holds about {format_gb(sequence_bytes(size))} of big integers per "
        f"sequence, {format_gb(need)} for {at_once}: more than {MEMORY_SHARE:.0%} of the "
        f"{format_gb(memory)} of memory here; lower --size or --count, or pass --force")


def validate(size: int, count: int, pattern: str, *, return_sequence: bool = False,
             cpus: int | None = None, memory_bytes: int | None = None,
             force: bool = False) -> None:
    if size < 0:
        raise ValueError(f"--size must be 0 or more, got {size}")
    if count < 1:
        raise ValueError(f"--count must be 1 or more, got {count}")
    if pattern not in PATTERNS:
        raise ValueError(f"--pattern must be one of {', '.join(PATTERNS)}, got {pattern!r}")
    if not force:
        check_memory(size, count, pattern, return_sequence, cpus, memory_bytes)


@dataclass(frozen=True)
class FibResult:
    size: int
    count: int
    pattern: str
    return_sequence: bool
    local_s: float | None
    remote_s: float
    speedup: float | None  # local_s / remote_s: above 1 means Ray was faster

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FibResult | None:
        """None when `data` is not a Fibonacci result (other keys, missing ones)."""
        names = cls.__dataclass_fields__.keys()
        if not names <= data.keys():
            return None
        return cls(**{name: data[name] for name in names})


def tutorial_lines(result: FibResult) -> list[str]:
    lines = []
    if result.local_s is not None:
        lines.append(f"Sequence size: {result.size}, Local execution time: {result.local_s}")
    lines.append(f"Sequence size: {result.size}, Remote execution time: {result.remote_s}")
    if result.speedup is not None:
        lines.append(
            f"Speedup: {result.speedup:.2f}x over {result.count} sequences "
            f"({result.pattern}{', returning the sequences' if result.return_sequence else ''})"
        )
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="sequence size (default %(default)s)")
    parser.add_argument("--count", type=int, default=None, help="sequences to compute (default: CPU count)")
    parser.add_argument("--pattern", choices=PATTERNS, default="parallel",
                        help="parallel fan-out, or serial: ray.get inside the loop (the anti-pattern)")
    parser.add_argument("--return-sequence", action="store_true",
                        help="return the whole sequence instead of its size (shows IO cost)")
    parser.add_argument("--no-local", dest="with_local", action="store_false",
                        help="skip the local loop, time only the Ray run")
    parser.add_argument("--warm", action="store_true", help="start the workers before timing")
    parser.add_argument("--force", action="store_true",
                        help="run even when the sequences would not fit in memory")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def validate_args(args: argparse.Namespace, cpus: int | None = None,
                  memory_bytes: int | None = None) -> None:
    """`validate` over parsed `add_arguments` flags (no --count: one per CPU)."""
    cpus = cpus or os.cpu_count() or 1
    validate(args.size, cpus if args.count is None else args.count, args.pattern,
             return_sequence=args.return_sequence, cpus=cpus, memory_bytes=memory_bytes,
             force=args.force)


def job_arguments(size: int, count: int | None, pattern: str = "parallel", *,
                  return_sequence: bool = False, with_local: bool = True, warm: bool = False,
                  force: bool = False) -> list[str]:
    """The command line of `python -m workloads.fibonacci` for one run, JSON output."""
    args = ["--size", str(size)] + (["--count", str(count)] if count is not None else [])
    args += ["--pattern", pattern]
    return args + [flag for flag, on in (("--return-sequence", return_sequence),
                                         ("--no-local", not with_local), ("--warm", warm),
                                         ("--force", force), ("--json", True)) if on]
