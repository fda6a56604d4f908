"""`raytui` with no command: the live monitor over a cluster it starts or attaches to.

Attached by address, the connection is made before the screen opens (about a second:
a bad address, port or token is a one-line error, exit 2), and this process never
becomes a Ray driver (see tui/core/connection.py), so the monitor outlives the cluster.
The embedded local cluster starts in the background while the screen says so.

For the app's lifetime fd 2 goes to the log file (tui/core/logfile.py): Ray's C++
and Python lines never draw over the screen. SIGTERM and SIGINT end the app like `q`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import threading
from types import FrameType

from tui.app import RaytuiApp
from tui.core.control import ClusterLink, read_only_from_env
from tui.core.logfile import divert_stderr, leave, route_logging
from tui.launch.jobs import JobClient
from tui.poller import SnapshotSource


def run_app(args: argparse.Namespace) -> int:
    from tui.commands import UsageError
    from tui.core.address import resolve_address
    from tui.core.connection import BackgroundConnection, RayConnection

    if not args.interval > 0:
        raise UsageError(f"raytui: --interval must be greater than 0, got {args.interval:g}")
    address = resolve_address(args.address)
    divert_stderr()
    if address.kind != "local":
        # seconds at most; errors (ConnectError) end here as one line, exit 2
        attached: RayConnection | None = RayConnection(address, args.num_cpus,
                                                       driver=False).connect()
    else:
        attached = None
    background = BackgroundConnection(address, args.num_cpus)

    def connection() -> RayConnection:
        return attached if attached is not None else background.connection

    def open_source(stop: threading.Event) -> SnapshotSource | None:
        # Started here, on the poll thread once the app runs, so that Ray (imported and
        # initialised by the connection thread) finds Textual's stdout/stderr capture in
        # place and its log lines never land on the screen.
        if attached is None:
            background.start()
            while not background.ready.wait(0.1):
                if stop.is_set():
                    return None
            if background.error is not None:
                raise background.error
        from tui.core.redact import redaction_wanted
        from tui.core.supervise import LiveSource

        route_logging()
        # the screen keeps titles as Ray reports them unless RAYTUI_REDACT=1
        return LiveSource(connection(), redact=redaction_wanted(False))

    def make_launcher() -> JobClient:
        if attached is None and (not background.ready.is_set() or background.error is not None):
            raise RuntimeError("not connected to Ray yet")
        from tui.launch.ray_jobs import JobLauncher

        launcher = JobLauncher(connection().dashboard_url)
        route_logging()
        return launcher

    def cluster_link() -> ClusterLink:  # logs, stacks, errors, jobs and control
        if attached is None and (not background.ready.is_set() or background.error is not None):
            raise RuntimeError("not connected to Ray yet")
        return ClusterLink(connection().dashboard_url, connection().gcs_address)

    app = RaytuiApp(open_source=open_source, address_label=address.describe(),
                    interval_s=args.interval, make_launcher=make_launcher,
                    cluster_link=cluster_link,
                    read_only=getattr(args, "read_only", False) or read_only_from_env(),
                    lang=getattr(args, "lang", None),
                    open_lessons=getattr(args, "open_lessons", False))
    previous = _exit_on_signals(app)
    try:
        app.run()
    finally:
        app.stop_background(timeout=3.0)
        background.stop()  # bounded: a driver's shutdown never holds the exit
        _restore_signals(previous)
    leave(app.return_code or 0)


_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _exit_on_signals(app: RaytuiApp) -> dict[int, object]:
    """SIGTERM / SIGINT: leave like `q` (terminal restored, cluster stopped, exit 0), not
    by dying in the middle of a frame."""
    def handler(signum: int, frame: FrameType | None) -> None:
        # the loop may be asleep in select(): wake it through its self-pipe
        try:
            asyncio.get_running_loop().call_soon_threadsafe(app.exit)
        except RuntimeError:  # not inside the app's loop yet (or any more)
            app.exit()

    previous: dict[int, object] = {}
    for sig in _SIGNALS:
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for sig, action in previous.items():
        signal.signal(sig, action)  # type: ignore[arg-type]
