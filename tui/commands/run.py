"""`raytui run fib`: the tutorial's Fibonacci experiment from the command line."""

from __future__ import annotations

import argparse
import json

from tui.commands import CommandGroups, UsageError, add_cluster_arguments, connected


def register(groups: CommandGroups) -> None:
    from workloads import fibonacci

    parser = groups.run.add_parser(
        "fib",
        help="Fibonacci fan-out timed local vs remote",
        description="Time COUNT Fibonacci sequences computed in a local loop and as Ray tasks.",
    )
    fibonacci.add_arguments(parser)
    add_cluster_arguments(parser)
    parser.set_defaults(handler=run_fib_command)


def run_fib_command(args: argparse.Namespace) -> int:
    from workloads import fibonacci

    try:
        fibonacci.validate(args.size, 1 if args.count is None else args.count, args.pattern)
    except ValueError as err:
        raise UsageError(f"raytui run fib: {err}") from None
    with connected(args.address, args.num_cpus) as connection:
        if connection.gcs_address is None:
            return _run_fib_as_job(connection.dashboard_url, args)
        result = fibonacci.run_fib(args.size, args.count, args.pattern, args.return_sequence,
                                   args.with_local, args.warm)
    fibonacci.report(result, args.json)
    return 0


def _run_fib_as_job(dashboard_url: str, args: argparse.Namespace) -> int:
    """With only a dashboard URL there is no driver here: run the experiment as a job."""
    from tui.core.jobs import JobLauncher, last_json_object

    job_args = ["--size", str(args.size), "--pattern", args.pattern]
    if args.count is not None:
        job_args += ["--count", str(args.count)]
    job_args += [flag for flag, on in (("--return-sequence", args.return_sequence),
                                       ("--no-local", not args.with_local),
                                       ("--warm", args.warm), ("--json", True)) if on]
    state, output = JobLauncher(dashboard_url).run("workloads.fibonacci", job_args, name="fib")
    data = last_json_object(output)
    if state.status != "SUCCEEDED" or data is None:
        tail = output.strip().splitlines()[-1:] or [state.message]
        raise RuntimeError(f"job {state.job_id} {state.status.lower()}: {tail[0]}")
    print(json.dumps(data) if args.json else "\n".join(fibonacci_lines_from_json(data)))
    return 0


def fibonacci_lines_from_json(data: dict[str, object]) -> list[str]:
    from workloads.fibonacci import FibResult, tutorial_lines

    return tutorial_lines(FibResult(**data))  # type: ignore[arg-type]
