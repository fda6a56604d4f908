"""`raytui replay FILE`: the monitor over a recording of `raytui watch --record`."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.commands import CommandGroups, UsageError, positive_float


def register(groups: CommandGroups) -> None:
    parser = groups.top.add_parser(
        "replay",
        help="replay a recording made by `raytui watch --record` in the monitor",
        description="Draw a recording in the monitor. Keys: p pause, . and , step, "
        "] and [ seek 10, ^ and $ start and end.",
    )
    parser.add_argument("file", help="a JSONL recording")
    parser.add_argument("--speed-interval", dest="replay_interval", type=positive_float,
                        default=None,
                        help="seconds between snapshots on screen (default: as recorded)")
    parser.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from tui.core.record import RecordingError, read_snapshots

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"raytui replay: {path}: no such file")
    try:
        snapshots = list(read_snapshots(path))
    except RecordingError as err:
        raise UsageError(f"raytui replay: {err}") from None
    if not snapshots:
        raise UsageError(f"raytui replay: {path}: the recording holds no snapshots")
    from tui.replay import ReplayApp, ReplaySource

    app = ReplayApp(ReplaySource(snapshots), path.name, args.replay_interval)
    try:
        app.run()
    finally:
        app.stop_background()
    return app.return_code or 0
