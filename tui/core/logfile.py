"""The log file, `$TMPDIR/raytui-$UID.log`: where Ray's noise goes instead of the screen.

Ray writes in two ways: Python logging, and C++ lines written straight to file
descriptor 2. While the monitor owns the terminal both would draw over it, and on
a headless command they would mix with our own one-line errors. `divert_stderr()`
points fd 2 at the log file for the process's lifetime and gives Python a new
`sys.stderr` / `sys.__stderr__` on a copy of the real terminal descriptor, so our
own messages (and Textual, which draws on `sys.__stderr__`) still reach it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, NoReturn

_state: dict[str, object] = {}


def log_path() -> Path:
    return Path(tempfile.gettempdir()) / f"raytui-{os.getuid()}.log"


def open_log() -> IO[str]:
    """The log file, opened once per process (append, line-buffered)."""
    handle = _state.get("file")
    if handle is None:
        path = log_path()
        handle = path.open("a", encoding="utf-8", buffering=1)
        os.chmod(path, 0o600)  # it may hold command lines of the user's jobs
        handle.write(f"--- raytui pid {os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        _state["file"] = handle
    assert isinstance(handle, io.TextIOBase)
    return handle  # type: ignore[return-value]


def divert_stderr() -> None:
    """fd 2 -> the log file, for the rest of the process; Python's stderr -> the terminal.

    Safe to call twice. Errors opening the log (a read-only TMPDIR) leave stderr as is.
    """
    if "terminal_fd" in _state:
        return
    try:
        log = open_log()
    except OSError:
        return
    sys.stderr.flush()
    terminal_fd = os.dup(2)
    os.set_inheritable(terminal_fd, False)
    terminal = open(terminal_fd, "w", encoding="utf-8", errors="replace",  # noqa: SIM115
                    buffering=1, closefd=False)
    _state["original_stderr"] = sys.__stderr__
    os.dup2(log.fileno(), 2)
    _state["terminal_fd"] = terminal_fd
    sys.stderr = terminal
    sys.__stderr__ = terminal  # type: ignore[misc]  # Textual draws on __stderr__
    # Python-level crash dumps (faulthandler) belong in the log as well
    faulthandler.enable(file=log, all_threads=True)
    route_logging()


def route_logging() -> None:
    """Every logging handler that writes to a terminal stream writes to the log instead,
    and records without a handler (Ray's loggers propagate to root) land there too.
    Called again after Ray is imported: it adds its own handlers then."""
    try:
        log = open_log()
    except OSError:
        return
    terminals = {id(s) for s in (sys.stderr, sys.stdout, sys.__stdout__, _original_stderr())}
    loggers = [logging.getLogger(), *(item for item in logging.root.manager.loggerDict.values()
                                      if isinstance(item, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and id(handler.stream) in terminals:
                handler.setStream(log)
    root = logging.getLogger()
    if not any(getattr(h, "_raytui_log", False) for h in root.handlers):
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._raytui_log = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.captureWarnings(True)


def _original_stderr() -> object:
    return _state.get("original_stderr", sys.__stderr__)



def leave(code: int) -> NoReturn:
    """End the process now, after our own output is flushed.

    A normal interpreter exit first joins every thread pool's threads (the
    collector's calls in flight wait out their timeouts) and runs Ray's atexit
    `ray.shutdown()` (15-20 s against a dead cluster). The commands have already
    released what they started, each step bounded; nothing is left to wait for.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)
