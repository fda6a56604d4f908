"""The poll loop: one daemon thread, one poll at a time, never on the UI thread.

The loop re-arms only after a poll returns, so a slow cluster never stacks polls. The
source is opened on the thread (opening may wait for Ray to start) and closed there.
No Textual here: results go out through callbacks the app provides.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from tui.core.model import Snapshot


class SnapshotSource(Protocol):
    def poll_once(self) -> Snapshot: ...

    def close(self) -> None: ...


class Poller:
    def __init__(self, open_source: Callable[[threading.Event], SnapshotSource | None],
                 deliver: Callable[[Snapshot], None],
                 on_error: Callable[[BaseException], None], interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.polls = 0
        self._open_source = open_source
        self._deliver = deliver
        self._on_error = on_error
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="raytui-poller", daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Poll now instead of at the end of the current wait."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            source = self._open_source(self._stop)
        except BaseException as err:  # e.g. Ray failed to start: shown in the header
            self._on_error(err)
            return
        if source is None:  # stopped while waiting
            return
        try:
            while not self._stop.is_set():
                snapshot = source.poll_once()
                self.polls += 1
                if self._stop.is_set():
                    break
                self._deliver(snapshot)
                self._wake.wait(self.interval_s)
                self._wake.clear()
        except BaseException as err:  # poll_once should never raise; if it does, say so
            self._on_error(err)
        finally:
            source.close()
