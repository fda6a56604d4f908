"""`raytui errors`: why things failed, without a browser (failed tasks, dead actors).

The same source as the app's Errors tab (`tui/core/sources/errors.py`). Exit 0 with the
report, 2 when the dashboard cannot be asked at all.
"""

from __future__ import annotations

import argparse
import json
import time

from tui.commands import CommandGroups, UsageError, add_address_argument, connected
from tui.core.model import to_json
from tui.core.sources.errors import ErrorReport


def register(groups: CommandGroups) -> None:
    errors = groups.top.add_parser(
        "errors", help="failed tasks grouped by function and error type, dead actors' causes",
        description="List failed tasks (grouped by function and error type, with the latest "
        "message) and dead actors with their death cause. Default address: $RAY_ADDRESS, "
        "else the cluster running on this machine.")
    add_address_argument(errors)
    errors.add_argument("--json", action="store_true",
                        help="print one JSON object (full error texts included)")
    errors.set_defaults(handler=errors_command)


def existing_cluster(address: str | None) -> str:
    """These commands read an existing cluster: never start an empty one to ask it."""
    import os

    return address or os.environ.get("RAY_ADDRESS") or "auto"


def errors_command(args: argparse.Namespace) -> int:
    from tui.core.sources.errors import ErrorsSource
    from tui.core.sources.http import DashboardHttp

    with connected(existing_cluster(args.address)) as connection:
        http = DashboardHttp(connection.dashboard_url, timeout_s=10.0)
        try:
            report = ErrorsSource(http).report()
        finally:
            http.close()
    if len(report.errors) == 2:  # neither list answered
        raise UsageError(f"raytui errors: {report.errors[0]}")
    print(json.dumps(to_json(report), indent=1) if args.json else "\n".join(report_text(report)))
    return 0


def report_text(report: ErrorReport) -> list[str]:
    lines = [f"failed tasks: {sum(g.count for g in report.groups)} in {len(report.groups)} "
             f"group(s)" + _cut(report.failed_list.returned, report.failed_list.total)]
    for group in report.groups:
        lines.append(f"  {group.count:>4} x {group.function}  {group.error_type}  "
                     f"first {_clock(group.first_ms)} last {_clock(group.last_ms)}")
        lines.append(f"         {group.latest.summary}")
    lines.append(f"dead actors: {len(report.dead_actors)}"
                 + _cut(report.dead_list.returned, report.dead_list.total))
    for actor in report.dead_actors:
        name = f" {actor.name!r}" if actor.name else ""
        lines.append(f"  {actor.class_name}{name} {actor.actor_id[:12]}: {actor.cause}")
    lines += [f"could not ask: {error}" for error in report.errors]
    return lines


def _cut(returned: int, total: int) -> str:
    return f" (the state API returned {returned} of {total})" if returned < total else ""


def _clock(ms: int | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ms / 1000)) if ms else "-"
