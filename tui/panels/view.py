"""What every panel needs besides the Snapshot: the user's filter and what the flags name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tui.core.model import Flag, Severity, WorkerKey

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class ViewState:
    filter_text: str = ""
    flags: tuple[Flag, ...] = ()
    worker_cpu_history: Callable[[WorkerKey], list[float]] = field(default=lambda key: [])
    interval_s: float = 1.0
    node_cpu_history: Callable[[str], list[float]] = field(default=lambda node_id: [])

    def matches(self, *texts: object) -> bool:
        needle = self.filter_text.strip().lower()
        return not needle or any(needle in str(t).lower() for t in texts)

    def severity_of_node(self, node_id: str) -> Severity | None:
        """The worst severity of the flags naming this node."""
        return self._worst(f for f in self.flags if f.names_node(node_id))

    def severity_of_worker(self, key: WorkerKey) -> Severity | None:
        """The worst severity of the flags naming this worker (node and pid, never a pid alone)."""
        return self._worst(f for f in self.flags if f.names_worker(key))

    @staticmethod
    def _worst(flags: Iterable[Flag]) -> Severity | None:
        worst: Severity | None = None
        for flag in flags:
            if (
                worst is None or SEVERITY_RANK[flag.severity] > SEVERITY_RANK[worst]
            ):
                worst = flag.severity
        return worst
