"""`raytui gsod synth|fetch` (archives) and `raytui run gsod` (the actor experiment).

The workload's flags come from `workloads.gsod`, which imports Ray: they are filled in
only when one of these commands is parsed (`fill`), never when the parser is built.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import IO

from tui.commands import (
    CommandGroups,
    UsageError,
    add_cluster_arguments,
    connected,
    results_stdout,
)
from tui.commands.observing import add_observe_argument, observing, print_results
from tui.launch import gsod as gsod_launch


def register(groups: CommandGroups) -> None:
    gsod = groups.top.add_parser("gsod", help="make or download NOAA GSOD yearly archives")
    actions = gsod.add_subparsers(dest="gsod_action", metavar="ACTION", required=True,
                                  parser_class=type(gsod))
    synth = actions.add_parser(
        "synth", help="write synthetic YEAR.tar.gz archives in NOAA's exact format",
        description="Write OUT/YEAR.tar.gz, one <STATION>.csv per station, deterministic "
        "for a seed. Scale 1 is a full year (~12,000 stations, ~4 M rows).",
        fill=_synth_arguments)
    synth.set_defaults(handler=synth_command)

    fetch = actions.add_parser(
        "fetch", help="download NOAA's YEAR.tar.gz archives (needs internet)",
        description="Download YEAR.tar.gz from NOAA NCEI into OUT, resuming a partial file.")
    fetch.add_argument("years", type=int, nargs="+", metavar="YEAR")
    fetch.add_argument("--out", type=Path, required=True, help="directory to write into")
    fetch.add_argument("--base-url", default=None,
                       help="archive directory URL (default: NOAA NCEI's)")
    fetch.set_defaults(handler=fetch_command)

    run = groups.run.add_parser(
        "gsod", help="GSOD actors: hot days at stations common to two years",
        description="Two GSODActors load two yearly archives in parallel and count readings "
        "with TEMP >= --high-temp at the stations both years share.",
        fill=_run_arguments)
    run.set_defaults(handler=run_gsod_command)


def _synth_arguments(synth: argparse.ArgumentParser) -> None:
    from workloads.gsod.compare import DEFAULT_SCALE

    synth.add_argument("--year", type=int, action="append", required=True,
                       help="a year to write (repeat for more)")
    synth.add_argument("--out", type=Path, required=True, help="directory to write into")
    synth.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                       help="fraction of a full year's stations; 1 = full size, a few "
                       "minutes a year (default %(default)s, seconds)")
    synth.add_argument("--seed", type=int, default=0, help="seed (default %(default)s)")


def _run_arguments(run: argparse.ArgumentParser) -> None:
    gsod_launch.add_arguments(run)
    add_observe_argument(run)
    add_cluster_arguments(run)


def synth_command(args: argparse.Namespace) -> int:
    from workloads.gsod.progress import Progress
    from workloads.gsod.synth import check_year, write_archive

    try:
        for year in args.year:
            check_year(year)
        if not args.scale > 0:
            raise ValueError(f"--scale must be greater than 0, got {args.scale:g}")
    except ValueError as err:
        raise UsageError(f"raytui gsod synth: {err}") from None
    for year in args.year:
        bar = Progress(f"{year}.tar.gz", 1, "stations")

        def report(done: int, total: int, rows: int, bar: Progress = bar) -> None:
            bar.total = total
            bar.update(done, f"{rows:,} rows")

        try:
            summary = write_archive(year, args.out, args.scale, args.seed, report)
        except OSError as err:
            raise UsageError(f"raytui gsod synth: cannot write to {args.out}: "
                             f"{err.strerror or err}") from None
        bar.finish()
        print(f"{summary.path}: {summary.stations:,} stations, {summary.rows:,} rows "
              f"({summary.seconds:.1f} s)")
    return 0


def fetch_command(args: argparse.Namespace) -> int:
    from workloads.gsod.fetch import NCEI_ARCHIVE_URL, FetchError, fetch_year
    from workloads.gsod.progress import Progress

    for year in args.years:
        bar = Progress(f"{year}.tar.gz", 0, "B")

        def report(done: int, total: int, bar: Progress = bar) -> None:
            bar.total = total or done
            bar.update(done)

        try:
            path = fetch_year(year, args.out, args.base_url or NCEI_ARCHIVE_URL, report)
        except FetchError as err:
            raise UsageError(f"raytui gsod fetch: {err}") from None
        bar.finish()
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


def run_gsod_command(args: argparse.Namespace) -> int:
    from workloads.gsod.__main__ import prepare_archives
    from workloads.gsod.actor import ArchiveError
    from workloads.gsod.compare import compare_years, tutorial_lines

    params = gsod_launch.GsodParams.from_args(args)
    try:
        gsod_launch.check(params)
    except ValueError as err:
        raise UsageError(f"raytui run gsod: {err}") from None
    from tui.core.address import resolve_address

    if args.data_dir is not None:
        args.data_dir = args.data_dir.expanduser().resolve()
        params = gsod_launch.GsodParams.from_args(args)
    archives = None
    if resolve_address(args.address).kind != "dashboard":
        # This process is the driver: find (or make) the archives before starting Ray,
        # so a missing file fails in a moment, not after a cluster start.
        try:
            archives = prepare_archives(args)
        except (ArchiveError, OSError) as err:
            raise UsageError(f"raytui run gsod: {err}") from None
    with results_stdout() as out:
        with connected(args.address, args.num_cpus) as connection:
            if connection.gcs_address is None or archives is None:
                return _run_gsod_as_job(connection.dashboard_url, params, args.json, out)
            title = gsod_launch.job(params).title
            with observing(args.observe, connection, title) as watch:
                try:
                    result = compare_years(args.years[0], args.years[1], args.high_temp,
                                           archives=archives)
                except (ArchiveError, OSError) as err:
                    raise UsageError(f"raytui run gsod: {err}") from None
                story = watch.finish(result.to_json()) if watch is not None else None
        print_results(out, args.json, result.to_json(), tutorial_lines(result), story)
    return 0


def _run_gsod_as_job(dashboard_url: str, params: gsod_launch.GsodParams, as_json: bool,
                     out: IO[str]) -> int:
    """With only a dashboard URL there is no driver here: run the experiment as a job."""
    from tui.launch.job_run import JobRun
    from tui.launch.ray_jobs import JobLauncher
    from workloads.gsod.compare import CompareResult, tutorial_lines

    finished = JobRun(JobLauncher(dashboard_url), gsod_launch.job(params)).run_to_end()
    state = finished.state
    if not finished.succeeded:
        errors = [line for line in finished.output.splitlines()
                  if line.startswith("gsod: ") and not line.startswith("gsod: error: ")]
        if errors:  # the workload's own one-line error about its input, not a crash
            raise UsageError(f"raytui run gsod: {errors[-1].removeprefix('gsod: ')}")
        raise RuntimeError(f"job {state.job_id} {state.status.lower()}: {finished.error_line}")
    data = finished.result
    if data is None:
        raise RuntimeError(f"job {state.job_id} printed no result")
    if as_json:
        print(json.dumps(data), file=out, flush=True)
    else:
        print("\n".join(tutorial_lines(CompareResult(**{**data, "years": tuple(data["years"])}))),
              file=out, flush=True)
    return 0
