"""`raytui learn`: the tutorial as a guided path, in the monitor (the lessons screen
opens first) or, with `--list`, as text. `--lang zh` or LANG picks the language."""

from __future__ import annotations

import argparse
import os

from tui.commands import CommandGroups
from tui.commands.common_args import add_monitor_arguments

SUMMARY = "the Ray tutorial step by step, checked against what you run"
DESCRIPTION = ("Open the monitor on the lessons: each step says what to run and what to "
               "watch, and completes from what was actually observed. Progress is kept "
               "under $XDG_STATE_HOME/raytui (default ~/.local/state/raytui).")


def register(groups: CommandGroups) -> None:
    parser = groups.top.add_parser("learn", help=SUMMARY, description=DESCRIPTION)
    parser.add_argument("--list", action="store_true",
                        help="print the steps and which are done, then exit")
    parser.add_argument("--reset", action="store_true", help="start the path again")
    add_monitor_arguments(parser)  # it opens the monitor: the same options
    parser.set_defaults(handler=learn_command)


def learn_command(args: argparse.Namespace) -> int:
    from tui.core.lessons import Lessons, default_lang

    lessons = Lessons(lang=args.lang or default_lang())
    if args.reset:
        lessons.reset()
    if args.list:
        # the commands are shown for this machine's CPUs (an embedded cluster's), or
        # --num-cpus's: step 3's task count scales with them
        print("\n".join(lessons.overview_lines(args.num_cpus or os.cpu_count() or 1)))
        return 0
    from tui.commands.monitor import run_app

    args.open_lessons = True
    return run_app(args)
