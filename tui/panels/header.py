"""Header: where we are connected, cluster totals, poll interval, and the PAUSED mark."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.model import Snapshot
from tui.panels.cells import fmt_bytes, show


class HeaderPanel(Static):
    DEFAULT_CSS = """
    HeaderPanel { height: auto; max-height: 4; background: $panel; padding: 0 1; }
    """

    def show(self, *, address: str, state: str, snapshot: Snapshot | None,
             interval_s: float, paused: bool, position: str = "") -> None:
        """state: what the connection is doing ('starting Ray...', 'connected', an error)."""
        top = Text()
        top.append("raytui ", style="bold")
        top.append(address or "-")
        top.append("  ")
        connected = snapshot is not None and snapshot.status.connected
        if snapshot is not None and not state.startswith(("cannot", "recorded")):
            state = "connected" if connected else "disconnected"
        top.append(f"● {state}", style="bold green" if connected else "bold yellow")
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
            if snapshot.status.errors:
                bottom.append(f"  {snapshot.status.errors[0][:80]}", style="yellow")
        show(self, Text("\n").join([top, bottom]))
