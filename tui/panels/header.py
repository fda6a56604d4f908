"""Header: where we are connected, the connection's phase, cluster totals, poll interval,
and the PAUSED mark."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from tui.core.model import ConnectionPhase, Snapshot
from tui.core.supervise import phase_text
from tui.panels.cells import fmt_bytes, show

PHASE_STYLE: dict[ConnectionPhase, str] = {
    "starting": "bold yellow",
    "connected": "bold green",
    "stale": "bold yellow",
    "disconnected": "bold red",
    "failed": "bold red",
}


class HeaderPanel(Static):
    DEFAULT_CSS = """
    HeaderPanel { height: auto; max-height: 4; background: $panel; padding: 0 1; }
    """

    def show(self, *, address: str, state: str, snapshot: Snapshot | None,
             interval_s: float, paused: bool, position: str = "",
             recorded: bool = False) -> None:
        """state: what the app says before any snapshot arrives ('starting Ray...', or why
        the connection failed). Once snapshots arrive, their `status.phase` tells."""
        top = Text()
        top.append("raytui ", style="bold")
        top.append(address or "-")
        top.append("  ")
        label, style = self._connection(state, snapshot, recorded)
        top.append(f"● {label}", style=style)
        if position:
            top.append(f"  {position}")
        top.append(f"  every {interval_s:g}s")
        if paused:
            top.append("  PAUSED", style="bold reverse")
        bottom = Text()
        if snapshot is not None:
            c = snapshot.cluster
            bottom.append(f"nodes {c.nodes_alive}/{c.nodes_total}  ")
            bottom.append(f"CPU {c.cpus_used:g}/{c.cpus_total:g} logical, ")
            bottom.append(f"{c.cpu_percent:.0f}% measured",
                          style="bold red" if c.cpu_percent >= 90 else "")
            bottom.append(f"  mem {fmt_bytes(c.memory_used_bytes)}/"
                          f"{fmt_bytes(c.memory_total_bytes)}")
            bottom.append(f"  store {fmt_bytes(c.object_store_used_bytes)}/"
                          f"{fmt_bytes(c.object_store_total_bytes)}")
            note = snapshot.status.phase_message or (snapshot.status.errors[0]
                                                     if snapshot.status.errors else "")
            if note:
                bottom.append(f"  {note[:80]}", style="yellow")
        show(self, Text("\n").join([top, bottom]))

    @staticmethod
    def _connection(state: str, snapshot: Snapshot | None, recorded: bool) -> tuple[str, str]:
        if recorded:
            live = snapshot is not None and snapshot.status.connected
            return "recorded", "bold green" if live else "bold yellow"
        if snapshot is None:
            return state, "bold yellow"
        phase = snapshot.status.current_phase
        return phase_text(snapshot.status, time.time()), PHASE_STYLE[phase]
