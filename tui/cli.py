"""`raytui` command line: the monitor by default, and headless subcommands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from tui.commands import (
    CommandGroups,
    OneLineParser,
    UsageError,
    check_num_cpus,
)
from tui.commands.common_args import add_monitor_arguments

# Each module adds its own subcommands (see tui/commands/__init__.py).
COMMAND_MODULES = (
    "tui.commands.headless",
    "tui.commands.run",
    "tui.commands.gsod",
    "tui.commands.lab",
    "tui.commands.replay",
    "tui.commands.logs",
    "tui.commands.errors",
    "tui.commands.learn",
)


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="raytui",
        description="A terminal monitor for Ray clusters. With no command, opens the monitor.",
    )
    add_monitor_arguments(parser)
    if not with_commands:
        return parser
    top = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    run_parser = top.add_parser("run", help="run a tutorial workload and print its results")
    run = run_parser.add_subparsers(dest="workload", metavar="WORKLOAD", required=True,
                                    parser_class=OneLineParser)
    groups = CommandGroups(top=top, run=run)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(groups)
    return parser


def _monitor_args(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """`raytui [options]` opens the monitor: parse that without importing every command
    module (some import Ray, a second or more before the first frame). None otherwise."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args_list or "--help" in args_list:
        return None
    try:
        args, rest = build_parser(with_commands=False).parse_known_args(args_list)
    except UsageError:
        return None  # the full parser reports it
    return None if rest else args


def main(argv: Sequence[str] | None = None) -> int:
    from tui.core.address import AddressError, ConnectError

    try:
        args = _monitor_args(argv) or build_parser().parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            check_num_cpus(args.num_cpus)
            from tui.commands.monitor import run_app

            return run_app(args)
        return int(handler(args))
    except (UsageError, AddressError) as err:
        print(f"raytui: {err}" if not str(err).startswith("raytui") else str(err),
              file=sys.stderr)
        return 2
    except ConnectError as err:
        print(f"raytui: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("raytui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug, not a user error: one line unless asked for more
        if os.environ.get("RAYTUI_DEBUG"):
            raise
        print(f"raytui: error: {type(err).__name__}: {err} (set RAYTUI_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
