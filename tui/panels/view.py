"""What every panel needs besides the Snapshot: the user's filter and the flag subjects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tui.core.model import Flag, Severity

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class ViewState:
    filter_text: str = ""
    flags: tuple[Flag, ...] = ()
    worker_cpu_history: Callable[[int, str], list[float]] = field(
        default=lambda pid, node_id: [])
    interval_s: float = 1.0

    def matches(self, *texts: object) -> bool:
        needle = self.filter_text.strip().lower()
        return not needle or any(needle in str(t).lower() for t in texts)

    def severity_of(self, subject: str) -> Severity | None:
        """The worst severity of the flags naming this subject (a pid or node id)."""
        worst: Severity | None = None
        for flag in self.flags:
            if subject in flag.subjects and (
                worst is None or SEVERITY_RANK[flag.severity] > SEVERITY_RANK[worst]
            ):
                worst = flag.severity
        return worst
