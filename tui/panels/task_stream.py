"""Task stream view: one lane per worker over the last 60 s, a coloured block per poll.

Drawn from History (see `tui/core/task_stream.py`); only the lanes that fit are built.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tui.core.model import Snapshot
from tui.core.task_stream import WINDOW_S, Lane, functions, lanes
from tui.panels.cells import show
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

PALETTE = ("green", "cyan", "magenta", "yellow", "blue", "red", "bright_green",
           "bright_cyan", "bright_magenta", "bright_yellow")
LABEL_WIDTH = 14
MAX_LANES = 24  # the busiest lanes: a 16,000-worker cluster draws no more than this


def colour_of(function: str) -> str:
    """A stable colour per function name (the same in every run and view)."""
    return PALETTE[zlib.crc32(function.encode()) % len(PALETTE)]


def render(lane_list: Sequence[Lane], width: int) -> Text:
    text = Text()
    if not lane_list:
        text.append("no task ran in the last 60 s: launch a workload (f, g) and watch the lanes",
                    style="dim")
        return text
    text.append(f"{'worker':<{LABEL_WIDTH}}", style="bold")
    text.append(f"last {WINDOW_S:.0f} s, oldest left".ljust(width), style="dim")
    for lane in lane_list:
        text.append("\n")
        text.append(f"{lane.label:<{LABEL_WIDTH}}"[:LABEL_WIDTH])
        for cell in lane.cells:
            if cell is None:
                text.append("·", style="dim")
            else:
                text.append("█", style=colour_of(cell))
    text.append("\n")
    for name in functions(lane_list):
        text.append("█ ", style=colour_of(name))
        text.append(f"{name}  ")
    return text


class TaskStreamPanel(Static):
    """The Stream tab (`w`): lanes drawn from the view's recent snapshots (History)."""

    DEFAULT_CSS = "TaskStreamPanel { height: auto; }"

    def __init__(self, max_lanes: int = MAX_LANES, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.max_lanes = max_lanes
        self.lanes: list[Lane] = []

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        width = max(10, (self.size.width or 80) - LABEL_WIDTH - 1)
        self.lanes = lanes(view.recent(WINDOW_S), width, max_lanes=self.max_lanes,
                           keep=lambda lane: view.matches(lane.label, *filter(None, lane.cells)))
        show(self, render(self.lanes, width))

    def selected_detail(self) -> Detail | None:
        return None  # a picture, not rows

    def tab_label(self, snapshot: Snapshot) -> str:
        return "Stream"
