"""Bounded history of snapshots: sparklines and the detectors' windows.

Everything is bounded by `maxlen` polls (120 polls = 60 s at 0.5 s, 2 min at 1 s), so
memory does not grow with uptime.

Figures by key are kept as columns, one per connected poll: the poll's CPU figures in
snapshot order (an `array`, 8 bytes a figure, not a float object in a deque per
worker) and an index from key to position. The index is shared by every poll whose
rows come in the same order, so recording a poll is a few C-level passes over the
rows (at 16,000 workers ~2 ms, against ~10 ms for an append per worker), and a lookup
is one `dict.get` per poll, never a scan of the workers. A worker's series is its run
of polls up to the newest connected one: absent from a connected poll, its earlier
figures no longer count (as a vanished worker's buffer used to be dropped).

One owner: the source (the Collector, a fake, the replay) adds each snapshot on the
poll thread and runs the detectors over it; the UI thread only reads. That is safe in
CPython without a lock because each shared structure is read by one C-level operation
that holds the GIL from start to end: `list(deque)` (a copy made in C, so no append can
interleave with it), and `dict.get` of an index that is never changed after it is
published (a new order gets a new index). The UI may see one sample newer than the
snapshot it draws; a sparkline ends one poll later then, nothing worse.
"""

from __future__ import annotations

import gc
from array import array
from collections import deque
from collections.abc import Hashable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from tui.core.model import Snapshot, WorkerKey

_NODE_ID = attrgetter("node_id")
_PID = attrgetter("pid")
_CPU = attrgetter("cpu_percent")


class _Columns:
    """One figure per key at each connected poll, oldest first."""

    def __init__(self, maxlen: int) -> None:
        self._polls: deque[tuple[dict[Hashable, int], array[float]]] = deque(maxlen=maxlen)
        self._layout: tuple[list[Any], ...] = ()  # the keys' parts of the last poll, in order
        self._index: dict[Hashable, int] = {}

    def add(self, layout: tuple[list[Any], ...], values: array[float]) -> None:
        """`layout`: the parts of each row's key, as columns (node ids, pids); `values`:
        each row's figure, in the same order."""
        if layout != self._layout:  # compared in C; the same order keeps its index
            self._layout = layout
            keys = zip(*layout, strict=True) if len(layout) > 1 else layout[0]
            self._index = dict(zip(keys, range(len(values)), strict=True))
        self._polls.append((self._index, values))

    def series(self, key: Hashable) -> list[float]:
        values: list[float] = []
        for index, column in reversed(list(self._polls)):
            position = index.get(key)
            if position is None:
                break  # not in that poll: the run of this worker starts after it
            values.append(column[position])
        values.reverse()
        return values

    def keys_held(self) -> int:
        """Keys over the indexes kept (memory: bounded by the polls kept, not uptime)."""
        seen: dict[int, int] = {id(index): len(index) for index, _ in list(self._polls)}
        return sum(seen.values())


# Python's cyclic GC runs a full collection after every 10 middle ones, and a full one
# walks every object alive: at 1,000 nodes the History's snapshots (16,000 workers
# each) made that ~40 % of the monitor's CPU (measured: 10 full collections in 20
# polls, ~180 ms a poll), and each one stalls the UI thread 0.1-0.6 s. Snapshots hold
# no reference cycles; one full collection per 100 middle ones keeps collecting the
# process's few cycles, ten times less often. Process-wide: set by the first History,
# the one that holds the snapshots (live, replay, watch).
FULL_GC_AFTER = 100


def space_full_collections() -> None:
    """See FULL_GC_AFTER."""
    young, middle, full = gc.get_threshold()
    if full < FULL_GC_AFTER:
        gc.set_threshold(young, middle, FULL_GC_AFTER)


class History:
    def __init__(self, maxlen: int = 120) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        space_full_collections()
        self.maxlen = maxlen
        self._snapshots: deque[Snapshot] = deque(maxlen=maxlen)
        # keyed by (node_id, pid) tuples: the same identity as WorkerKey, but built and
        # hashed in C (a WorkerKey per worker per poll costs ~60 ms at 16,000 workers)
        self._worker_cpu = _Columns(maxlen)
        self._node_cpu = _Columns(maxlen)

    def add(self, snapshot: Snapshot) -> None:
        self._snapshots.append(snapshot)
        if not snapshot.status.connected:
            return  # a failed poll says nothing about the workers: keep their series
        workers: Sequence[Any] = snapshot.workers
        self._worker_cpu.add((list(map(_NODE_ID, workers)), list(map(_PID, workers))),
                             array("d", map(_CPU, workers)))
        nodes: Sequence[Any] = snapshot.nodes
        self._node_cpu.add((list(map(_NODE_ID, nodes)),), array("d", map(_CPU, nodes)))

    def worker_cpu(self, key: WorkerKey) -> list[float]:
        """CPU percent of a worker at each poll it was seen, oldest first (one dict
        lookup a poll)."""
        return self._worker_cpu.series((key.node_id, key.pid))

    def node_cpu(self, node_id: str) -> list[float]:
        return self._node_cpu.series(node_id)

    def workers_held(self) -> int:
        """Worker keys over the indexes kept (a churn of pids must not grow it)."""
        return self._worker_cpu.keys_held()

    def window(self, seconds: float) -> list[Snapshot]:
        """The connected snapshots of the last `seconds` (by snapshot time), oldest first."""
        snapshots = list(self._snapshots)
        if not snapshots:
            return []
        newest = snapshots[-1].time
        return [s for s in snapshots if s.status.connected and s.time >= newest - seconds]

    def last(self, polls: int) -> list[Snapshot]:
        """The last `polls` snapshots, oldest first (failed polls included)."""
        return list(self._snapshots)[-polls:] if polls > 0 else []

    def __len__(self) -> int:
        return len(self._snapshots)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(list(self._snapshots))
