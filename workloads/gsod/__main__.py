"""`python -m workloads.gsod`: the GSOD experiment as a job driver.

`ray.init()` with no address attaches to the cluster the job runs on (or starts a local
one when run by hand). Progress goes to stderr; the results (the tutorial's three lines,
or one JSON object with --json) to stdout. Bad input: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workloads.gsod.compare import (
    DEFAULT_HIGH_TEMP,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    DEFAULT_YEARS,
    CompareResult,
    tutorial_lines,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--years", type=int, nargs=2, metavar=("Y1", "Y2"),
                        default=list(DEFAULT_YEARS),
                        help="the two years to compare (default %(default)s)")
    parser.add_argument("--high-temp", type=float, default=DEFAULT_HIGH_TEMP,
                        help="count readings with TEMP >= this, in F (default %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="directory holding Y1.tar.gz and Y2.tar.gz (real or synthetic); "
                        "default: synthetic archives generated once into the cache")
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help="size of the synthetic archives, 1 = a full NOAA year of "
                        "~12,000 stations (default %(default)s); ignored with --data-dir")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of the synthetic archives (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def validate(args: argparse.Namespace) -> None:
    from workloads.gsod.synth import check_year

    if not args.scale > 0:
        raise ValueError(f"--scale must be greater than 0, got {args.scale:g}")
    if args.years[0] == args.years[1]:
        raise ValueError(f"--years needs two different years, got {args.years[0]} twice")
    for year in args.years:
        check_year(year)


def prepare_archives(args: argparse.Namespace) -> dict[int, Path]:
    """Real archives from --data-dir (they must be there), else cached synthetic ones."""
    from workloads.gsod.compare import find_archives, synthetic_archives

    years = (args.years[0], args.years[1])
    if args.data_dir is not None:
        return find_archives(years, args.data_dir)
    return synthetic_archives(years, args.scale, args.seed)


def report(result: CompareResult, as_json: bool) -> None:
    print(json.dumps(result.to_json()) if as_json else "\n".join(tutorial_lines(result)))
    sys.stdout.flush()


def print_progress(year: int, actor_id: str, state: dict[str, Any]) -> None:
    from workloads.gsod.progress_lines import progress_line

    print(progress_line(year, actor_id, state), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    import ray

    from workloads.gsod.actor import ArchiveError
    from workloads.gsod.compare import ActorsDidNotStart, compare_years

    parser = argparse.ArgumentParser(prog="python -m workloads.gsod")
    add_arguments(parser)
    parser.add_argument("--progress-json", action="store_true",
                        help="print each actor's load progress as JSON lines on stdout "
                        "(workloads/gsod/progress_lines.py); the result stays last")
    args = parser.parse_args(argv)
    try:
        validate(args)
        archives = prepare_archives(args)
    except (ValueError, OSError) as err:
        print(f"gsod: {err}", file=sys.stderr)
        return 2
    ray.init(log_to_driver=False)  # inside a Ray job this attaches to its cluster
    try:
        result = compare_years(args.years[0], args.years[1], args.high_temp,
                               archives=archives,
                               on_progress=print_progress if args.progress_json else None)
    except ArchiveError as err:
        print(f"gsod: {err}", file=sys.stderr)
        return 2
    except ActorsDidNotStart as err:
        print(f"gsod: error: {err}", file=sys.stderr)
        return 1
    finally:
        ray.shutdown()
    report(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
