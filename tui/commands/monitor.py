"""`raytui` with no command: the live monitor over a cluster it starts or attaches to."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

from tui.app import RaytuiApp
from tui.core.control import ClusterLink, read_only_from_env
from tui.poller import SnapshotSource
from tui.workload_runs import Launcher


def divert_terminal_logging(path: Path) -> None:
    """Ray's loggers write to the terminal and would scribble over the screen: use a file.

    Called again after Ray or its job client is imported, since they add handlers then.
    """
    loggers = [logging.getLogger(), *(logger for logger in logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    stream: IO[str] | None = None
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and handler.stream in (
                    sys.__stderr__, sys.__stdout__):
                stream = stream or path.open("a", encoding="utf-8")
                handler.setStream(stream)


def run_app(args: argparse.Namespace) -> int:
    from tui.commands import UsageError
    from tui.core.connection import BackgroundConnection, resolve_address

    if not args.interval > 0:
        raise UsageError(f"raytui: --interval must be greater than 0, got {args.interval:g}")
    address = resolve_address(args.address)
    # ray.init() enables faulthandler on sys.stderr unless it is on already; under Textual
    # sys.stderr is a capture without a file descriptor, and ray.init fails. Enable it on
    # the real stderr first.
    if not faulthandler.is_enabled():
        faulthandler.enable(file=sys.__stderr__ or sys.stderr, all_threads=False)
    log_path = Path(tempfile.gettempdir()) / f"raytui-{os.getuid()}.log"
    background = BackgroundConnection(address, args.num_cpus)

    def open_source(stop: threading.Event) -> SnapshotSource | None:
        # Started here, on the poll thread once the app runs, so that Ray (imported and
        # initialised by the connection thread) finds Textual's stdout/stderr capture in
        # place and its log lines never land on the screen.
        background.start()
        while not background.ready.wait(0.1):
            if stop.is_set():
                return None
        if background.error is not None:
            raise background.error
        from tui.core.collector import Collector

        divert_terminal_logging(log_path)
        return Collector(background.connection)

    def make_launcher() -> Launcher:
        if not background.ready.is_set() or background.error is not None:
            raise RuntimeError("not connected to Ray yet")
        from tui.core.jobs import JobLauncher

        launcher = JobLauncher(background.connection.dashboard_url)
        divert_terminal_logging(log_path)
        return launcher

    def cluster_link() -> ClusterLink:  # logs, stacks, errors, jobs and control (parity)
        if not background.ready.is_set() or background.error is not None:
            raise RuntimeError("not connected to Ray yet")
        return ClusterLink(background.connection.dashboard_url, background.connection.gcs_address)

    app = RaytuiApp(open_source=open_source, address_label=address.describe(),
                    interval_s=args.interval, make_launcher=make_launcher,
                    cluster_link=cluster_link,
                    read_only=getattr(args, "read_only", False) or read_only_from_env())
    try:
        app.run()
    finally:
        app.stop_background(timeout=15.0)
        background.stop()
    return app.return_code or 0
