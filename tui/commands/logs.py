"""`raytui logs`: a worker's, actor's, task's or job's output, on any node, without a browser.

Through the state API's log endpoints (`tui/core/sources/logs.py`) or, for a job, the
jobs API. A log that does not exist, an unknown job or a dashboard that refuses is one
line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import sys
import threading

from tui.commands import CommandGroups, UsageError, add_address_argument, connected
from tui.commands.errors import existing_cluster
from tui.core.sources.logs import DEFAULT_TAIL


def register(groups: CommandGroups) -> None:
    logs = groups.top.add_parser(
        "logs", help="print the log of an actor, task, worker pid or job (any node)",
        description="Print a process's log through the Ray dashboard, wherever it runs. "
        "Default address: $RAY_ADDRESS, else the cluster running on this machine.")
    add_address_argument(logs)
    which = logs.add_mutually_exclusive_group(required=True)
    which.add_argument("--actor", metavar="ID", help="an actor id")
    which.add_argument("--task", metavar="ID", help="a task id")
    which.add_argument("--pid", type=int, metavar="PID", help="a worker pid (needs --node)")
    which.add_argument("--job", metavar="ID", help="a job's submission id (raysubmit_...)")
    logs.add_argument("--node", metavar="NODE", help="node id (or its first characters)")
    logs.add_argument("--err", action="store_true", help="stderr instead of stdout")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines")
    logs.add_argument("--tail", type=int, default=DEFAULT_TAIL, metavar="N",
                      help="the last N lines (-1: all; default %(default)s)")
    logs.set_defaults(handler=logs_command)


def logs_command(args: argparse.Namespace) -> int:
    from tui.core.sources.http import SourceError

    if args.pid is not None and not args.node:
        raise UsageError("raytui logs: --pid needs --node NODE (pids are per node)")
    if args.tail < -1:
        raise UsageError(f"raytui logs: --tail must be -1 or more, got {args.tail}")
    with connected(existing_cluster(args.address)) as connection:
        try:
            if args.job:
                _job_log(connection.dashboard_url, args)
            else:
                _process_log(connection.dashboard_url, args)
        except SourceError as err:
            raise UsageError(f"raytui logs: {err}") from None
    return 0


def _process_log(url: str, args: argparse.Namespace) -> None:
    from tui.core.sources.logs import LogSource, LogTarget

    node = _full_node_id(url, args.node) if args.node else None
    target = LogTarget(node_id=node, actor_id=args.actor, task_id=args.task, pid=args.pid,
                       suffix="err" if args.err else "out")
    source = LogSource(url)
    try:
        if not args.follow:
            _write(source.read(target, args.tail))
            return
        stream = source.follow(target, args.tail)
        try:
            for chunk in stream:
                _write(chunk)
        finally:
            stream.close()
    finally:
        source.close()


def _job_log(url: str, args: argparse.Namespace) -> None:
    from tui.core.sources.jobs_api import JobsApi, tail_lines

    api = JobsApi(url)
    try:
        if not args.follow:
            _write(tail_lines(api.logs(args.job), args.tail))
            return
        for chunk in api.follow_logs(args.job, threading.Event(), args.tail):
            _write(chunk)
    finally:
        api.close()


def _full_node_id(url: str, prefix: str) -> str:
    """Users copy the 8 characters the monitor shows: find the node they mean."""
    from tui.core.sources.http import DashboardHttp
    from tui.core.sources.state_api import StateApiSource

    if len(prefix) >= 56:
        return prefix
    http = DashboardHttp(url)
    try:
        matches = [n.node_id for n in StateApiSource(http).nodes()
                   if n.node_id.startswith(prefix)]
    finally:
        http.close()
    if len(matches) != 1:
        raise UsageError(f"raytui logs: --node {prefix!r} matches "
                         f"{'no node' if not matches else f'{len(matches)} nodes'}")
    return matches[0]


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
