"""What the app asks of every tab's panel, so it loops over panels instead of naming them.

A panel is a Textual widget that draws one Snapshot (keyed diffs, see KeyedTable) and
can say what its selected row is. The app keeps one table of panes (`tui/app.py`
`PANES`): adding a tab is adding one `Pane` there. Optional: `cycle_sort` (key s,
`SortablePanel`) and `tab_label` (the tab's count, `LabelledPanel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual.widget import Widget

from tui.core.model import Snapshot
from tui.panels.view import ViewState
from workloads.gsod.progress_lines import GsodProgress

Detail = tuple[str, Text]  # a modal's title and body


@runtime_checkable
class Panel(Protocol):
    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        """Draw this snapshot (called for the visible tab, and when a stale tab is shown)."""

    def selected_detail(self) -> Detail | None:
        """The detail of the selected row (enter), or None when nothing is selected."""


@runtime_checkable
class SortablePanel(Panel, Protocol):
    def cycle_sort(self) -> str:
        """Sort by the next key; returns its name for the notification."""


@runtime_checkable
class LabelledPanel(Panel, Protocol):
    def tab_label(self, snapshot: Snapshot) -> str:
        """The tab's label for this snapshot, e.g. "Workers 16000" (else the Pane's title)."""


@runtime_checkable
class NodesOnScreen(Protocol):
    def nodes_on_screen(self) -> list[str]:
        """Node ids this panel shows in detail now (selected first); the app asks the
        source to refresh those first (`want_nodes`, where the source has it)."""


@runtime_checkable
class ShowsLoadProgress(Protocol):
    """A panel that draws the load progress of a launched workload's actors (by actor
    id), as the Workload tab reads it from the run's output (tui/panels/workload.py)."""

    load_progress: Mapping[str, GsodProgress]


@dataclass(frozen=True)
class Pane:
    """One tab: its id (also the jump action's argument), title, jump key and panel."""

    id: str
    title: str
    key: str  # the key that jumps to it ("" for none)
    make: Callable[[], Widget]  # builds the panel (id "<id>-panel"); it must satisfy `Panel`
