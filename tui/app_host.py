"""What the app's mixins (`row_actions.py`, `workload_actions.py`, `view_controls.py`)
call on the app: declared once here, provided by `RaytuiApp` in `tui/app.py`."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen


class AppHost(App[int]):
    def push_modal(self, screen: Screen[Any]) -> None:
        """Open a modal; the snapshots missed meanwhile are drawn when it closes."""
        raise NotImplementedError

    def redraw(self) -> None:
        raise NotImplementedError

    def _show_header(self) -> None:
        raise NotImplementedError

    def _focus_active_table(self) -> None:
        raise NotImplementedError

    def _panels_gone(self) -> bool:
        raise NotImplementedError

    def active_pane(self) -> str:
        raise NotImplementedError

    def active_panel_widget(self) -> object:
        raise NotImplementedError
