"""`raytui learn`: the tutorial as a guided path, in the monitor (the lessons screen
opens first) or, with `--list`, as text. `--lang zh` or LANG picks the language."""

from __future__ import annotations

import argparse

from tui.commands import CommandGroups, add_cluster_arguments
from tui.core.lesson_text import LANGS


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="language of the lessons: en or zh (default: from LANG)")


def register(groups: CommandGroups) -> None:
    parser = groups.top.add_parser(
        "learn", help="the Ray tutorial step by step, checked against what you run",
        description="Open the monitor on the lessons: each step says what to run and what "
        "to watch, and completes from what was actually observed. Progress is kept under "
        "$XDG_STATE_HOME/raytui (default ~/.local/state/raytui).")
    parser.add_argument("--list", action="store_true",
                        help="print the steps and which are done, then exit")
    parser.add_argument("--reset", action="store_true", help="start the path again")
    add_lang_argument(parser)
    add_cluster_arguments(parser)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between polls (default %(default)s)")
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every action that stops something")
    parser.set_defaults(handler=learn_command)


def learn_command(args: argparse.Namespace) -> int:
    from tui.core.lessons import Lessons, default_lang

    lessons = Lessons(lang=args.lang or default_lang())
    if args.reset:
        lessons.reset()
    if args.list:
        print("\n".join(lessons.overview_lines()))
        return 0
    from tui.commands.monitor import run_app

    args.open_lessons = True
    return run_app(args)
