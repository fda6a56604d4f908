"""Replay: the monitor over a recording made by `raytui watch --record`.

`ReplaySource` plays the recorded snapshots in order at the poll interval; pause
stops it, step and seek move it. `ReplayApp` is the monitor with those keys, no
cluster and no launching.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from textual.binding import Binding

from tui.app import RaytuiApp
from tui.core.history import History
from tui.core.model import Snapshot


class ReplaySource:
    def __init__(self, snapshots: Sequence[Snapshot]) -> None:
        if not snapshots:
            raise ValueError("a replay needs at least one snapshot")
        self.snapshots = list(snapshots)
        self.index = 0
        self.playing = True
        self._hold = True  # the next poll shows `index` as it is (start, or after a seek)
        self._lock = threading.Lock()
        self.history = History()  # the app reads it (SnapshotSource.history)
        self._history_end = 0  # snapshots[:_history_end] went into `history`

    def poll_once(self) -> Snapshot:
        with self._lock:
            if self.playing and not self._hold and self.index < len(self.snapshots) - 1:
                self.index += 1
            self._hold = False
            end = self.index + 1
            if not self._history_end <= end <= self._history_end + 1:  # a seek: rebuild
                # (seeking back must never show the future)
                self.history = History(self.history.maxlen)
                self._history_end = max(0, end - self.history.maxlen)
            for recorded in self.snapshots[self._history_end:end]:
                self.history.add(recorded)
            self._history_end = end
            return self.snapshots[self.index]

    def seek(self, delta: int) -> None:
        with self._lock:
            self.index = max(0, min(len(self.snapshots) - 1, self.index + delta))
            self._hold = True

    def close(self) -> None:
        pass

    @property
    def at_end(self) -> bool:
        return self.index == len(self.snapshots) - 1

    def recorded_interval(self) -> float:
        """The median spacing of the recording, so it replays at its own pace."""
        gaps = sorted(b.time - a.time for a, b in zip(self.snapshots, self.snapshots[1:],
                                                        strict=False) if b.time > a.time)
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

    def header_position(self) -> str:
        first = self.replay.snapshots[0].time
        current = self.replay.snapshots[self.replay.index]
        offset = int(current.time - first)
        state = "PAUSED" if not self.replay.playing else "end" if self.replay.at_end else "playing"
        return (f"{self.replay.index + 1}/{len(self.replay.snapshots)} "
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
