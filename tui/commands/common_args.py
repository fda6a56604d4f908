"""Arguments more than one command takes the same way.

`add_monitor_arguments`: the options of the monitor (`raytui` with no command), which
`raytui learn` opens too, so both parse them alike. Imports nothing heavy (the words of
the lessons are plain strings): `tui.cli` builds the monitor's parser before any command
module is loaded.
"""

from __future__ import annotations

import argparse

from tui.commands import add_cluster_arguments
from tui.core.lesson_text import LANGS


def add_monitor_arguments(parser: argparse.ArgumentParser) -> None:
    """--address/--num-cpus, --interval, --read-only and --lang, as the monitor has them."""
    add_cluster_arguments(parser)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between polls (default %(default)s)")
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every action that stops something (also RAYTUI_READ_ONLY=1)")
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="language of the lessons (T): en or zh (default: from LANG)")
