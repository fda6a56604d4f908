"""Task stream: per-worker lanes of what ran at each poll, as Dask's task stream shows.

Built from the History's snapshots only (no Ray call): for the last `window_s` seconds,
each lane is one worker, each column a slice of time, each cell the function the
worker ran then (or nothing). Fan-out shows as several full lanes side by side; the
serial anti-pattern as one full lane and idle ones.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def lanes(snapshots: Sequence[Snapshot], width: int, window_s: float = WINDOW_S,
          max_lanes: int | None = None) -> list[Lane]:
    """Lanes of the workers that ran something in the window, busiest first.

    A slice takes the function seen at the latest poll that falls in it, so a lane
    never shows more than the polls saw. Drivers have no lane (they run no task).
    """
    connected = [s for s in snapshots if s.status.connected]
    if not connected or width < 1:
        return []
    end = connected[-1].time
    start = end - window_s
    slice_s = window_s / width
    cells: dict[WorkerKey, list[str | None]] = {}
    for snapshot in connected:
        if snapshot.time < start:
            continue
        column = min(width - 1, int((snapshot.time - start) / slice_s))
        for worker in snapshot.workers:
            if worker.worker_type == "DRIVER" or worker.running_task is None:
                continue
            row = cells.setdefault(worker.key, [None] * width)
            row[column] = worker.running_task.name
    result = [Lane(key, tuple(row), sum(cell is not None for cell in row))
              for key, row in cells.items()]
    result.sort(key=lambda lane: (-lane.busy, lane.key))
    return result[:max_lanes] if max_lanes is not None else result


def functions(lane_list: Sequence[Lane]) -> list[str]:
    """The functions in the lanes, in order of first appearance (for a stable legend)."""
    seen: dict[str, None] = {}
    for lane in lane_list:
        for cell in lane.cells:
            if cell is not None:
                seen.setdefault(cell, None)
    return list(seen)
