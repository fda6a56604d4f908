"""The live source: a Collector behind a watch on the connection.

It gives every snapshot a typed connection phase (`Status.phase`, since when, and
why), and outlives the cluster:

- `connected`: the last poll reached the cluster.
- `stale`: polls fail, but the cluster answered less than DISCONNECT_AFTER_S ago
  (one slow call is not a disconnection).
- `disconnected`: nothing answered for DISCONNECT_AFTER_S. The collector is no
  longer polled; the address is asked again (`RayConnection.refresh`: the GCS, then
  the dashboard) after 1, 2, 4 ... up to BACKOFF_MAX_S seconds. When a cluster answers
  again a fresh collector starts, and the message says whether it is the same
  cluster (its session name) or a new one.

Between two attempts `poll_once` returns at once with a status-only snapshot, so a
poll loop keeps its pace and `q` / `--duration` are never held up by a dead cluster.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Protocol

from tui.core.address import ConnectError
from tui.core.connection import RayConnection
from tui.core.events import EventLog
from tui.core.history import History
from tui.core.model import ConnectionPhase, Snapshot, Status
from tui.core.redact import redact_snapshot
from tui.core.text import error_line, first_line

DISCONNECT_AFTER_S = 10.0
RECONNECT_NOTE_S = 30.0  # how long "reconnected ..." stays in the status
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0


class PollingSource(Protocol):
    history: History

    def poll_once(self) -> Snapshot: ...

    def close(self) -> None: ...


class LiveSource:
    def __init__(self, connection: RayConnection,
                 make_collector: Callable[[RayConnection], PollingSource] | None = None,
                 *, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, redact: bool = False) -> None:
        """`redact`: mask secret arguments in worker titles (tui/core/redact.py)."""
        if make_collector is None:
            from tui.core.collector import Collector

            make_collector = Collector
        self.connection = connection
        self.redact = redact
        self._make_collector = make_collector
        self._clock, self._wall = clock, wall
        self._collector: PollingSource | None = make_collector(connection)
        # what happened, across reconnections (a new collector keeps the same log)
        self.events = EventLog()
        self.phase: ConnectionPhase = "starting"
        self.since = wall()
        self.message = ""
        self.ever_connected = False
        self.reconnections = 0
        self._session = connection.session_name
        # connect() has just seen the dashboard answer: a first failed poll is "stale"
        self._last_answer: float | None = clock()  # monotonic
        self._last_answer_change = clock()
        self._failing_since: float | None = None  # wall
        self._backoff = BACKOFF_FIRST_S
        self._next_attempt = 0.0

    @property
    def history(self) -> History:
        return self._collector.history if self._collector is not None else History()

    def poll_once(self) -> Snapshot:
        return self.events.with_events(self._poll())

    def _poll(self) -> Snapshot:
        now = self._clock()
        if self.phase == "disconnected" and not self._reconnect_due(now):
            return self._status_only()
        assert self._collector is not None
        snapshot = self._collector.poll_once()
        now = self._clock()
        if snapshot.status.connected:
            self._answered(now)
        else:
            self._failed(now, snapshot.status.errors)
        return self._with_phase(snapshot)

    def _answered(self, now: float) -> None:
        if self.phase != "connected":
            if self.phase in ("stale", "starting"):
                self.message = ""
            self._enter("connected")
            self._last_answer_change = now
        elif self.message and now - self._last_answer_change > RECONNECT_NOTE_S:
            self.message = ""
        self.ever_connected = True
        self._last_answer = now
        self._failing_since = None
        self._backoff = BACKOFF_FIRST_S

    def _failed(self, now: float, errors: tuple[str, ...]) -> None:
        if self._failing_since is None:
            self._failing_since = self._wall()
        reason = first_line(errors[0], 160) if errors else "no answer"
        answered_lately = (self._last_answer is not None
                           and now - self._last_answer < DISCONNECT_AFTER_S)
        if answered_lately:
            if self.phase != "stale":
                self._enter("stale", self._failing_since)
            self.message = reason
            return
        self._enter("disconnected", self._failing_since)
        self.message = reason
        self._next_attempt = now + self._backoff

    def _reconnect_due(self, now: float) -> bool:
        """Ask the address again; True when a cluster answers (a new collector is ready)."""
        if now < self._next_attempt:
            return False
        try:
            self.connection.refresh()
        except ConnectError as err:
            self.message = error_line(err)
            self._backoff = min(BACKOFF_MAX_S, self._backoff * 2)
            self._next_attempt = self._clock() + self._backoff
            return False
        except Exception as err:  # an unexpected failure must not end the monitor
            self.message = f"reconnect: {error_line(err)}"
            self._backoff = min(BACKOFF_MAX_S, self._backoff * 2)
            self._next_attempt = self._clock() + self._backoff
            return False
        session = self.connection.session_name
        new_cluster = bool(self._session and session and session != self._session)
        self._session = session or self._session
        self.reconnections += 1
        stamp = time.strftime("%H:%M:%S", time.localtime(self._wall()))
        self.message = (f"reconnected at {stamp}: a NEW cluster ({session}) answers at "
                        f"{self.connection.describe()}" if new_cluster
                        else f"reconnected at {stamp}")
        if self._collector is not None:
            self._collector.close()
        # a fresh collector: new dashboard URL, no history of another cluster's workers
        self._collector = self._make_collector(self.connection)
        self._last_answer = self._clock()  # one failed first poll is "stale", not "down"
        return True

    def _enter(self, phase: ConnectionPhase, since: float | None = None) -> None:
        self.phase = phase
        self.since = since if since is not None else self._wall()

    def _status(self, status: Status) -> Status:
        return dataclasses.replace(status, phase=self.phase, phase_since=self.since,
                                   phase_message=self.message, cluster_id=self._session)

    def _with_phase(self, snapshot: Snapshot) -> Snapshot:
        snapshot = dataclasses.replace(snapshot, status=self._status(snapshot.status))
        return redact_snapshot(snapshot) if self.redact else snapshot

    def _status_only(self) -> Snapshot:
        status = Status(connected=False, address=self.connection.describe(),
                        errors=(self.message,) if self.message else ())
        return Snapshot(time=self._wall(), status=self._status(status))

    def close(self) -> None:
        if self._collector is not None:
            self._collector.close()
            self._collector = None


def phase_text(status: Status, now: float | None = None) -> str:
    """'connected', 'stale 12 s', 'disconnected since 12:01:02 (40 s)': for header and watch."""
    phase = status.current_phase
    if phase in ("stale", "disconnected") and status.phase_since is not None:
        age = max(0, int((time.time() if now is None else now) - status.phase_since))
        stamp = time.strftime("%H:%M:%S", time.localtime(status.phase_since))
        return f"stale for {age} s" if phase == "stale" else f"disconnected since {stamp} ({age} s)"
    return phase
