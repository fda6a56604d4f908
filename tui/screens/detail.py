"""The modal that shows one selected row's detail; each panel builds its own
(`Panel.selected_detail`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 100%;
                                    border: round $accent; background: $surface;
                                    padding: 0 1; }
    DetailScreen #detail-title { text-style: bold; }
    """

    def __init__(self, title: str, body: Text | str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._title, id="detail-title")
            yield Static(self._body, id="detail-body")
            yield Static("esc closes", classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
