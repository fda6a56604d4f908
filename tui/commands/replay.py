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
    from tui.core.record import Recording, RecordingError

    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"raytui replay: {path}: no such file")
    try:
        # checks the first line now and indexes the rest in the background: opens at once
        recording = Recording(path)
    except RecordingError as err:
        raise UsageError(f"raytui replay: {err}") from None
    from tui.core.logfile import divert_stderr, leave
    from tui.replay import ReplayApp, ReplaySource

    divert_stderr()
    source = ReplaySource(recording)
    app = ReplayApp(source, path.name, args.replay_interval)
    try:
        app.run()
    finally:
        app.stop_background(timeout=2.0)
        recording.close()
    leave(app.return_code or 0)
