"""Bounded history of snapshots: sparklines and the detectors' windows.

Everything is a ring buffer of `maxlen` polls (120 polls = 60 s at 0.5 s, 2 min at
1 s), so memory does not grow with uptime: per-worker buffers of workers that
vanished are dropped at the next poll.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from tui.core.model import Snapshot

WorkerKey = tuple[str, int]  # (node_id, pid): a pid alone is only unique on one node


class History:
    def __init__(self, maxlen: int = 120) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.maxlen = maxlen
        self._snapshots: deque[Snapshot] = deque(maxlen=maxlen)
        self._worker_cpu: dict[WorkerKey, deque[float]] = {}
        self._node_cpu: dict[str, deque[float]] = {}

    def add(self, snapshot: Snapshot) -> None:
        self._snapshots.append(snapshot)
        if not snapshot.status.connected:
            return  # a failed poll says nothing about the workers: keep their buffers
        seen_workers = set()
        for worker in snapshot.workers:
            key = (worker.node_id, worker.pid)
            seen_workers.add(key)
            self._worker_cpu.setdefault(key, deque(maxlen=self.maxlen)).append(worker.cpu_percent)
        for key in set(self._worker_cpu) - seen_workers:
            del self._worker_cpu[key]
        seen_nodes = set()
        for node in snapshot.nodes:
            seen_nodes.add(node.node_id)
            self._node_cpu.setdefault(node.node_id, deque(maxlen=self.maxlen)).append(
                node.cpu_percent)
        for node_id in set(self._node_cpu) - seen_nodes:
            del self._node_cpu[node_id]

    def worker_cpu(self, pid: int, node_id: str | None = None) -> list[float]:
        """CPU percent of a worker at each poll it was seen, oldest first."""
        for (key_node, key_pid), values in self._worker_cpu.items():
            if key_pid == pid and (node_id is None or key_node == node_id):
                return list(values)
        return []

    def node_cpu(self, node_id: str) -> list[float]:
        return list(self._node_cpu.get(node_id, ()))

    def latest(self) -> Snapshot | None:
        return self._snapshots[-1] if self._snapshots else None

    def window(self, seconds: float) -> list[Snapshot]:
        """The connected snapshots of the last `seconds` (by snapshot time), oldest first."""
        if not self._snapshots:
            return []
        newest = self._snapshots[-1].time
        return [s for s in self._snapshots if s.status.connected and s.time >= newest - seconds]

    def last(self, polls: int) -> list[Snapshot]:
        """The last `polls` snapshots, oldest first (failed polls included)."""
        return list(self._snapshots)[-polls:] if polls > 0 else []

    def __len__(self) -> int:
        return len(self._snapshots)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(list(self._snapshots))
