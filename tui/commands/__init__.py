"""Subcommands of `raytui`, one module per group; `tui.cli` wires them together.

A command module exposes `register(groups)`, adds its parsers, and sets
`handler=<function(args) -> exit code>` on each. Errors a user can cause are raised
as `UsageError` (exit 2) or `ConnectError`/`AddressError` and printed by `tui.cli`
as one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.core.connection import RayConnection


class UsageError(Exception):
    """A bad flag or value: printed as one line, exit code 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports errors as one line (no usage dump) with exit code 2.

    `fill` adds a command's arguments only when that command is parsed or its help
    shown: some come from workload modules that import Ray, and building the whole
    parser (for `raytui replay FILE`, say) must not load Ray.
    """

    def __init__(self, *args: Any,
                 fill: Callable[[argparse.ArgumentParser], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fill = fill

    def _filled(self) -> None:
        fill, self._fill = self._fill, None
        if fill is not None:
            fill(self)

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        self._filled()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._filled()
        return super().format_help()

    def error(self, message: str) -> Any:  # argparse declares NoReturn
        raise UsageError(f"{self.prog}: {message} (see --help)")


@dataclass
class CommandGroups:
    """Where command modules attach their parsers."""

    top: Any  # argparse._SubParsersAction for `raytui <cmd>`
    run: Any  # argparse._SubParsersAction for `raytui run <workload>`


def add_address_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address",
        default=None,
        help="Ray cluster: auto, host:port (GCS) or http://host:8265 (dashboard); "
        "default $RAY_ADDRESS, else start a local cluster",
    )


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """--address, and --num-cpus for the embedded cluster started when there is none."""
    add_address_argument(parser)
    parser.add_argument("--num-cpus", type=int, default=None,
                        help="CPUs of the embedded local cluster (default: all)")


def check_num_cpus(num_cpus: int | None) -> None:
    # A 0-CPU embedded cluster would accept tasks and never run them.
    if num_cpus is not None and num_cpus < 1:
        raise UsageError(f"--num-cpus must be 1 or more, got {num_cpus}")


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


@contextmanager
def connected(address_flag: str | None, num_cpus: int | None = None) -> Iterator[RayConnection]:
    """Resolve the address, connect, and always release what was started."""
    from tui.core.address import resolve_address
    from tui.core.connection import RayConnection

    check_num_cpus(num_cpus)
    connection = RayConnection(resolve_address(address_flag), num_cpus=num_cpus)
    try:
        yield connection.connect()
    finally:
        connection.close()


@contextmanager
def results_stdout() -> Iterator[IO[str]]:
    """A stream on the real stdout for the results alone; meanwhile everything else
    written to stdout goes to stderr.

    A driver in this process prints Ray's messages to stdout: "(raylet) A worker died
    or was killed ..." when a worker is killed, and its workers' log lines. With
    `--json` a script reads stdout: it must hold only the JSON. File descriptor 1 is
    moved too, for what Ray's C++ core writes there.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    out = os.fdopen(saved, "w", encoding="utf-8", closefd=False)
    os.dup2(2, 1)
    previous, sys.stdout = sys.stdout, sys.stderr
    try:
        yield out
    finally:
        out.flush()
        sys.stdout.flush()
        sys.stdout = previous
        os.dup2(saved, 1)
        os.close(saved)
        out.close()
