"""The poll loop: one daemon thread, one poll at a time, never on the UI thread.

The loop re-arms only after a poll returns, so a slow cluster never stacks polls. The
source is opened on the thread (opening may wait for Ray to start) and closed there.
No Textual here: results go out through callbacks the app provides.

Delivery is latest-wins: the newest snapshot waits in one slot (under a lock) and
`notify` is called only when the slot was empty. The UI takes the slot when it gets
to it, so a slow frame skips the snapshots that arrived meanwhile instead of drawing
a queue of stale ones (toolong's `can_replace`, nvitop's newest-only).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Protocol

from tui.core.history import History
from tui.core.model import Snapshot


class SnapshotSource(Protocol):
    """What the app polls: the live Collector, a fake, or the replay source."""

    @property
    def history(self) -> History:
        """The one History of this monitor: filled by the source on the poll thread at
        each `poll_once`, read (never written) by the UI. See tui/core/history.py."""

    def poll_once(self) -> Snapshot: ...

    def close(self) -> None: ...


class Poller:
    def __init__(self, open_source: Callable[[threading.Event], SnapshotSource | None],
                 notify: Callable[[], None],
                 on_error: Callable[[BaseException], None],
                 interval_s: Callable[[], float]) -> None:
        """`notify` is called (on the poll thread) when a snapshot waits and none did;
        `interval_s` is read before each wait (the app owns the interval)."""
        self._interval_s = interval_s
        self._open_source = open_source
        self._notify = notify
        self._on_error = on_error
        self.source: SnapshotSource | None = None  # set once opened, on the poll thread
        self.dropped = 0  # snapshots replaced before the UI took them
        self._newest: Snapshot | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="raytui-poller", daemon=True)

    @property
    def interval_s(self) -> float:
        return self._interval_s()

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

    def take(self) -> Snapshot | None:
        """The newest snapshot not yet taken (None if it was taken already)."""
        with self._lock:
            snapshot, self._newest = self._newest, None
        return snapshot

    def offer(self, snapshot: Snapshot) -> None:
        """Put `snapshot` in the slot; tell the UI only if the slot was empty."""
        with self._lock:
            waiting = self._newest is not None
            self.dropped += waiting
            if self._newest is not None and self._newest.events:
                # a replaced snapshot's events are news the UI has not seen: carry them
                snapshot = dataclasses.replace(
                    snapshot, events=(*self._newest.events, *snapshot.events))
            self._newest = snapshot
        if not waiting:
            self._notify()

    def _run(self) -> None:
        try:
            source = self._open_source(self._stop)
        except BaseException as err:  # e.g. Ray failed to start: shown in the header
            self._on_error(err)
            return
        if source is None:  # stopped while waiting
            return
        self.source = source
        try:
            while not self._stop.is_set():
                snapshot = source.poll_once()
                if self._stop.is_set():
                    break
                self.offer(snapshot)
                self._wake.wait(self._interval_s())
                self._wake.clear()
        except BaseException as err:  # poll_once should never raise; if it does, say so
            self._on_error(err)
        finally:
            source.close()
