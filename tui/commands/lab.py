"""`raytui lab compute|io`: the trade-offs lab's sweeps from the command line.

With a driver (local cluster or a GCS address) the sweep runs in this process;
with only a dashboard URL it runs as a Ray job and its JSON lines are read back.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from typing import IO, Any

from tui.commands import (
    CommandGroups,
    OneLineParser,
    UsageError,
    add_cluster_arguments,
    connected,
    results_stdout,
)
from tui.launch import lab as lab_launch
from workloads import lab_results as lab

CSV_FIELDS = ("kind", "size", "count", "repeats", "local_s", "remote_s", "speedup",
              "remote_size_s", "transfer_s", "bytes")

DESCRIPTIONS = {
    "compute": "For each size, time COUNT Fibonacci sequences in a local loop and as a Ray "
               "fan-out (warm cluster, median of REPEATS) and report the crossover: the "
               "smallest size from which remote is faster.",
    "io": "The same fan-out returning the whole sequence instead of its size: time, "
          "bytes moved through the object store, and the size from which moving the data "
          "takes longer than computing it.",
}


def register(groups: CommandGroups) -> None:
    parser = groups.top.add_parser(
        "lab", help="trade-offs lab: when distributing pays off, and what IO costs")
    sweeps = parser.add_subparsers(dest="sweep", metavar="SWEEP", required=True,
                                   parser_class=OneLineParser)
    for kind in lab.KINDS:
        sweep_parser = sweeps.add_parser(kind, help=DESCRIPTIONS[kind].split(":")[0],
                                         description=DESCRIPTIONS[kind])
        lab_launch.add_arguments(sweep_parser, json_help="print one JSON object: the sizes, the "
                          "per-size medians and crossover_size")
        sweep_parser.add_argument("--csv", metavar="FILE", default=None,
                                  help="also write one row per size to FILE")
        add_cluster_arguments(sweep_parser)
        sweep_parser.set_defaults(handler=run_lab_command)


def run_lab_command(args: argparse.Namespace) -> int:
    prog = f"raytui lab {args.sweep}"
    try:
        params = lab_launch.params_from_flags(args.sweep, args.sizes, args.count, args.repeats)
        if args.num_cpus is not None and args.num_cpus < 1:
            raise ValueError(f"--num-cpus must be 1 or more, got {args.num_cpus}")
    except ValueError as err:
        raise UsageError(f"{prog}: {err}") from None
    csv_file = _open_csv(prog, args.csv)
    try:
        writer = csv.DictWriter(csv_file, CSV_FIELDS) if csv_file else None
        if writer:
            writer.writeheader()
        with results_stdout() as out:

            def on_point(point: lab.SweepPoint) -> None:
                if not args.json:
                    print(lab.table_row(point), file=out, flush=True)
                if writer and csv_file:
                    writer.writerow({k: v for k, v in point.to_json().items()
                                     if k in CSV_FIELDS})
                    csv_file.flush()

            if not args.json:
                print(lab.sweep_title(args.sweep, args.count, args.repeats), file=out)
                print(lab.table_header(args.sweep), file=out, flush=True)
            with connected(args.address, args.num_cpus) as connection:
                if connection.gcs_address is None:
                    summary = _run_as_job(connection.dashboard_url, params, on_point)
                else:
                    from workloads import lab as workload

                    summary = workload.run_sweep(args.sweep, params.sizes, args.count,
                                                 args.repeats, on_point).to_json()
            print(json.dumps(summary) if args.json else summary["message"], file=out,
                  flush=True)
            if args.sweep == "compute":
                from tui.commands.observing import remember_lab

                remember_lab(summary)  # a found crossover completes its lesson (raytui learn)
    finally:
        if csv_file:
            csv_file.close()
    return 0


def _open_csv(prog: str, path: str | None) -> IO[str] | None:
    """Opened before the sweep: a bad path should not cost a minute of measuring first."""
    if path is None:
        return None
    try:
        return open(path, "w", newline="")  # noqa: SIM115 - closed by the caller
    except OSError as err:
        raise UsageError(f"{prog}: cannot write --csv {path}: {err.strerror or err}") from None


def _run_as_job(dashboard_url: str, params: lab_launch.SweepParams,
                on_point: Callable[[lab.SweepPoint], None]) -> dict[str, Any]:
    """With only a dashboard URL there is no driver here: run the sweep as a job."""
    from tui.launch.job_run import Finished, JobRun, Output
    from tui.launch.ray_jobs import JobLauncher

    sweep = JobRun(JobLauncher(dashboard_url), lab_launch.job(params))
    reader = lab.SweepEventReader()
    try:
        for event in sweep.events():
            if isinstance(event, Output):
                for point in reader.feed(event.text):
                    if point["event"] == "point":
                        on_point(lab.SweepPoint.from_json(point))
            elif isinstance(event, Finished):
                if not event.succeeded or event.result is None:
                    raise RuntimeError(f"lab job {event.state.job_id} "
                                       f"{event.state.status.lower()}: {event.error_line}")
                return event.result
    except KeyboardInterrupt:
        sweep.stop()  # do not leave a sweep burning the cluster's CPUs
        raise
    raise RuntimeError(f"lab job {sweep.job_id}: ended without a state")
