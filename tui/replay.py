"""Replay: the monitor over a recording made by `raytui watch --record`.

`ReplaySource` owns the replay position: it plays the recorded snapshots in order
at the poll interval; pause stops it, step and seek move it. It keeps `history`,
the window of snapshots up to the position (rebuilt on a seek, so seeking back never
shows the future). The snapshots come from any sequence: a list, or a
`tui.core.record.Recording` that reads them from disk on demand, so a recording
of any size opens at once. `ReplayApp` is the monitor with those keys, no cluster
and no launching.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Protocol

from textual.binding import Binding

from tui.app import RaytuiApp
from tui.core.history import History
from tui.core.model import Event, Snapshot, Status
from tui.core.record import RecordingError
from tui.core.text import error_line
from tui.panels.header import HeaderPanel

INDEX_WAIT_S = 30.0  # a seek to the end waits this long at most for the index


class Snapshots(Protocol):
    """A list of snapshots, or a Recording that reads them on demand."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Snapshot: ...


class ReplaySource:
    def __init__(self, snapshots: Snapshots, history_len: int = 120) -> None:
        if not len(snapshots):
            raise ValueError("a replay needs at least one snapshot")
        self.snapshots = snapshots
        self.index = 0
        self.playing = True
        self.history = History(history_len)
        self._history_end = 0  # history holds snapshots [.., _history_end)
        self._hold = True  # the next poll shows `index` as it is (start, or after a seek)
        self._target: int | None = None  # a seek past what the index has reached so far
        self._lock = threading.Lock()

    def poll_once(self) -> Snapshot:
        target = self._target
        if target is not None:  # wait (on the poll thread) until the index reaches it
            indexed = getattr(self.snapshots, "indexed", None)
            deadline = time.monotonic() + INDEX_WAIT_S
            while (indexed is not None and not indexed.is_set()
                   and len(self.snapshots) <= target and time.monotonic() < deadline):
                indexed.wait(0.05)
        with self._lock:
            if self._target is not None:
                self.index = min(self._target, len(self.snapshots) - 1)
                self._target = None
            if self.playing and not self._hold and self.index < len(self.snapshots) - 1:
                self.index += 1
            self._hold = False
            snapshot = self._read(self.index)
            passed = self._advance_history()
            if passed:  # a seek: the events of the polls it went over are not lost
                snapshot = dataclasses.replace(snapshot, events=(*passed, *snapshot.events))
            return snapshot

    def _read(self, index: int) -> Snapshot:
        try:
            return self.snapshots[index]
        except RecordingError as err:  # one bad line in a long recording: say so, go on
            return Snapshot(time=0.0, status=Status(False, errors=(error_line(err),)))

    def _advance_history(self) -> list[Event]:
        """Extend (or, after a seek, rebuild) the history; the events of the rebuilt
        window's polls before the position (the Events tab drops those it has)."""
        end = self.index + 1
        passed: list[Event] = []
        if end == self._history_end + 1:
            self.history.add(self._read(self.index))
        elif end != self._history_end:
            self.history = History(self.history.maxlen)
            for index in range(max(0, end - self.history.maxlen), end):
                snapshot = self._read(index)
                self.history.add(snapshot)
                passed += snapshot.events if index < self.index else ()
        self._history_end = end
        return passed

    def seek(self, delta: int) -> None:
        with self._lock:
            target = self.index + delta
            self.index = max(0, min(len(self.snapshots) - 1, target))
            # past what is indexed so far: there once the index has it (on the poll thread)
            self._target = target if target > self.index and not self._indexed() else None
            self._hold = True

    def _indexed(self) -> bool:
        indexed = getattr(self.snapshots, "indexed", None)
        return indexed is None or bool(indexed.is_set())

    def close(self) -> None:
        close = getattr(self.snapshots, "close", None)
        if close is not None:
            close()

    @property
    def at_end(self) -> bool:
        return self.index == len(self.snapshots) - 1

    def recorded_interval(self) -> float:
        """The median spacing of the recording's start, so it replays at its own pace."""
        times = [self._read(i).time for i in range(min(len(self.snapshots), 60))]
        gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False) if b > a)
        return round(gaps[len(gaps) // 2], 2) if gaps else 1.0


class ReplayApp(RaytuiApp):
    BINDINGS = [
        Binding("full_stop", "seek(1)", "Step"),
        Binding("comma", "seek(-1)", "Back"),
        Binding("right_square_bracket", "seek(10)", "+10"),
        Binding("left_square_bracket", "seek(-10)", "-10"),
        Binding("circumflex_accent", "seek(-1000000)", "Start"),
        Binding("dollar_sign", "seek(1000000)", "End"),
    ]

    def __init__(self, source: ReplaySource, name: str, interval_s: float | None = None) -> None:
        super().__init__(open_source=lambda stop: source, address_label=f"replay {name}",
                         interval_s=interval_s or source.recorded_interval())
        self.replay = source
        self.connection_state = self.connected_label = "recorded"

    def _show_header(self) -> None:
        shown = self.latest
        if shown is not None and shown.status.phase is not None:
            # the recorded phase is history, not the state of this replay
            shown = dataclasses.replace(shown, status=dataclasses.replace(
                shown.status, phase_message=""))
        self.query_one("#header", HeaderPanel).show(
            address=self.address_label, state=self.connection_state, snapshot=shown,
            interval_s=self.interval_s, paused=self.paused, position=self.header_position(),
            recorded=True)

    def header_position(self) -> str:
        first = self.replay._read(0).time
        current = self.replay._read(self.replay.index)
        offset = max(0, int(current.time - first))
        total = len(self.replay.snapshots)
        more = "" if getattr(self.replay.snapshots, "indexed", None) is None or \
            self.replay.snapshots.indexed.is_set() else "+"  # type: ignore[attr-defined]
        state = "PAUSED" if not self.replay.playing else "end" if self.replay.at_end else "playing"
        return (f"{self.replay.index + 1}/{total}{more} "
                f"+{offset // 60:02d}:{offset % 60:02d} {state}")

    def action_pause(self) -> None:
        """In a replay, pause stops the playback (there is nothing to keep collecting)."""
        self.replay.playing = not self.replay.playing
        self.poller.wake()
        self.redraw()

    def action_seek(self, delta: int) -> None:
        self.replay.playing = False
        self.replay.seek(delta)
        self.poller.wake()
