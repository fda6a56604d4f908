"""Bounded history of snapshots: sparklines and the detectors' windows.

Everything is a ring buffer of `maxlen` polls (120 polls = 60 s at 0.5 s, 2 min at
1 s), so memory does not grow with uptime: per-worker buffers of workers that
vanished are dropped at the next poll.

One owner: the source (the Collector, a fake, the replay) adds each snapshot on the
poll thread and runs the detectors over it; the UI thread only reads. That is safe in
CPython without a lock because every read here is one C-level operation that holds the
GIL from start to end: `dict.get` of a key, and `list(deque)` (a copy made in C, so
no append can interleave with it). Reads never iterate a dict or deque the poll thread
may be changing. The UI may see one sample newer than the snapshot it draws; a
sparkline ends one poll later then, nothing worse.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from tui.core.model import Snapshot, WorkerKey


class History:
    def __init__(self, maxlen: int = 120) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.maxlen = maxlen
        self._snapshots: deque[Snapshot] = deque(maxlen=maxlen)
        # keyed by (node_id, pid) tuples: the same identity as WorkerKey, but built and
        # hashed in C (a WorkerKey per worker per poll costs ~60 ms at 16,000 workers)
        self._worker_cpu: dict[tuple[str, int], deque[float]] = {}
        self._node_cpu: dict[str, deque[float]] = {}

    def add(self, snapshot: Snapshot) -> None:
        self._snapshots.append(snapshot)
        if not snapshot.status.connected:
            return  # a failed poll says nothing about the workers: keep their buffers
        buffers = self._worker_cpu
        seen_workers = set()
        for worker in snapshot.workers:
            key = (worker.node_id, worker.pid)
            seen_workers.add(key)
            buffer = buffers.get(key)
            if buffer is None:
                buffer = buffers[key] = deque(maxlen=self.maxlen)
            buffer.append(worker.cpu_percent)
        if len(buffers) > len(seen_workers):
            for key in [k for k in list(buffers) if k not in seen_workers]:
                del buffers[key]
        seen_nodes = set()
        for node in snapshot.nodes:
            seen_nodes.add(node.node_id)
            self._node_cpu.setdefault(node.node_id, deque(maxlen=self.maxlen)).append(
                node.cpu_percent)
        for node_id in [n for n in list(self._node_cpu) if n not in seen_nodes]:
            del self._node_cpu[node_id]

    def worker_cpu(self, key: WorkerKey) -> list[float]:
        """CPU percent of a worker at each poll it was seen, oldest first (one dict lookup)."""
        values = self._worker_cpu.get((key.node_id, key.pid))
        return list(values) if values is not None else []

    def node_cpu(self, node_id: str) -> list[float]:
        values = self._node_cpu.get(node_id)
        return list(values) if values is not None else []

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
