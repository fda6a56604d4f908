"""`raytui run fib`: the tutorial's Fibonacci experiment from the command line.

Defaults, flags and checks are the Fibonacci descriptor's (tui/launch/fibonacci.py), as
for the app's f key and form. With a driver here (a local cluster or a GCS address) the
experiment runs in this process; with only a dashboard URL it runs as a Ray job.
"""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from tui.commands import (
    CommandGroups,
    UsageError,
    add_cluster_arguments,
    connected,
    results_stdout,
)
from tui.commands.observing import (
    add_observe_argument,
    observing,
    print_results,
    this_drivers_tasks,
)
from tui.launch import fibonacci

if TYPE_CHECKING:
    from tui.core.observe import ObservedRun


def register(groups: CommandGroups) -> None:
    parser = groups.run.add_parser(
        "fib",
        help="Fibonacci fan-out timed local vs remote",
        description="Time COUNT Fibonacci sequences computed in a local loop and as Ray tasks. "
        "A run whose sequences would not fit in this machine's memory is refused "
        "(--force runs it anyway).",
    )
    fibonacci.add_arguments(parser)
    add_observe_argument(parser)
    add_cluster_arguments(parser)
    parser.set_defaults(handler=run_fib_command)


def run_fib_command(args: argparse.Namespace) -> int:
    params = fibonacci.FibParams.from_args(args)
    try:
        fibonacci.check(params, cpus=args.num_cpus)  # this machine's memory
    except ValueError as err:
        raise UsageError(f"raytui run fib: {err}") from None
    with results_stdout() as out:
        with connected(args.address, args.num_cpus) as connection:
            title = fibonacci.job(params).title
            if connection.gcs_address is None:
                with observing(args.observe, connection, title) as watch:
                    return _run_fib_as_job(connection.dashboard_url, params, args.json, out,
                                           watch)
            from workloads import fibonacci as workload

            with observing(args.observe, connection, title) as watch:
                result = workload.run_fib(params.size, params.count, params.pattern,
                                          params.return_sequence, params.with_local,
                                          params.warm)
                story = (watch.finish(result.to_json(), this_drivers_tasks(connection))
                         if watch is not None else None)
        print_results(out, args.json, result.to_json(), fibonacci.summary(result), story)
    return 0


def _run_fib_as_job(dashboard_url: str, params: fibonacci.FibParams, as_json: bool,
                    out: IO[str], watch: ObservedRun | None = None) -> int:
    """With only a dashboard URL there is no driver here: run the experiment as a job."""
    from tui.launch.job_run import JobRun
    from tui.launch.ray_jobs import JobLauncher

    finished = JobRun(JobLauncher(dashboard_url), fibonacci.job(params)).run_to_end()
    if not finished.succeeded or finished.result is None:
        raise RuntimeError(f"job {finished.state.job_id} {finished.state.status.lower()}: "
                           f"{finished.error_line}")
    story = watch.finish(finished.result.to_json()) if watch is not None else None
    print_results(out, as_json, finished.result.to_json(), finished.summary, story)
    return 0
