"""Task stream: per-worker lanes of what ran at each poll, as Dask's task stream shows.

Built from the History's snapshots only (no Ray call): for the last `window_s` seconds,
each lane is one worker, each column a slice of time, each cell the function the
worker ran then (or nothing). Fan-out shows as several full lanes side by side; the
serial anti-pattern as one full lane and idle ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.core.model import Snapshot, WorkerKey

WINDOW_S = 60.0


@dataclass(frozen=True)
class Lane:
    key: WorkerKey
    cells: tuple[str | None, ...]  # oldest first: the function run in each time slice
    busy: int  # slices with a function

    @property
    def label(self) -> str:
        return f"{self.key.node_id[:6]} {self.key.pid}"


_BUSY_KEPT = 256  # snapshots whose running workers are kept (more than a window holds)
_busy_kept: dict[int, tuple[Snapshot, dict[tuple[str, int], str]]] = {}


def _running(snapshot: Snapshot) -> dict[tuple[str, int], str]:
    """(node id, pid) -> the function each worker (not a driver) runs, read once per
    snapshot: every poll reads its whole window again, all but one snapshot read before."""
    hit = _busy_kept.get(id(snapshot))
    if hit is not None and hit[0] is snapshot:
        return hit[1]
    if len(_busy_kept) >= _BUSY_KEPT:
        _busy_kept.clear()
    running = {(w.node_id, w.pid): w.running_task.name for w in snapshot.workers
               if w.running_task is not None and w.worker_type != "DRIVER"}
    _busy_kept[id(snapshot)] = (snapshot, running)
    return running


def lanes(snapshots: Sequence[Snapshot], width: int, window_s: float = WINDOW_S,
          max_lanes: int | None = None,
          keep: Callable[[Lane], bool] | None = None) -> list[Lane]:
    """Lanes of the workers that ran something in the window, busiest first (the first
    `max_lanes` that `keep` keeps, when given).

    A slice takes the function seen at the latest poll that falls in it, so a lane
    never shows more than the polls saw. Drivers have no lane (they run no task).
    At 16,000 workers the busy counts are taken in C (`Counter`) and a lane's cells
    are built only for the lanes returned (a lane a worker a poll cost ~0.8 s a poll).
    """
    connected = [s for s in snapshots if s.status.connected]
    if not connected or width < 1:
        return []
    end = connected[-1].time
    start = end - window_s
    slice_s = window_s / width
    slices: dict[int, dict[tuple[str, int], str]] = {}  # slice -> who ran what last
    merged: set[int] = set()  # slices of several polls (their own map, not a snapshot's)
    for snapshot in connected:
        if snapshot.time < start:
            continue
        column = min(width - 1, int((snapshot.time - start) / slice_s))
        running = _running(snapshot)
        ran = slices.get(column)
        if ran is None:
            slices[column] = running
            continue
        if column not in merged:  # never change a snapshot's kept map
            merged.add(column)
            ran = slices[column] = dict(ran)
        ran.update(running)
    busy: Counter[tuple[str, int]] = Counter()
    for ran in slices.values():
        busy.update(ran.keys())
    order = sorted(busy.items(), key=lambda item: (-item[1], item[0]))
    result: list[Lane] = []
    for key, count in order:
        row: list[str | None] = [None] * width
        for column, ran in slices.items():
            row[column] = ran.get(key)
        lane = Lane(WorkerKey(*key), tuple(row), count)
        if keep is None or keep(lane):
            result.append(lane)
            if max_lanes is not None and len(result) >= max_lanes:
                break
    return result


def functions(lane_list: Sequence[Lane]) -> list[str]:
    """The functions in the lanes, in order of first appearance (for a stable legend)."""
    seen: dict[str, None] = {}
    for lane in lane_list:
        for cell in lane.cells:
            if cell is not None:
                seen.setdefault(cell, None)
    return list(seen)
