"""A modal of one text: a title, a scrollable body and a hint line; escape, q or enter
close it. The error text (`error_text.py`) and a worker's stack (`stack.py`) are two."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class TextModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]  # subclasses add theirs
    ID_PREFIX = "text"  # the widgets' ids: <prefix>-scroll, <prefix>-title, <prefix>-body
    HINT = "esc closes"
    DEFAULT_CSS = """
    TextModal { align: center middle; }
    TextModal > VerticalScroll { max-width: 100%; background: $surface; padding: 0 1; }
    TextModal .modal-title { text-style: bold; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def first_body(self) -> Text | str:
        """What the body shows when the screen opens."""
        return ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id=f"{self.ID_PREFIX}-scroll"):
            yield Static(Text(self._title), id=f"{self.ID_PREFIX}-title", classes="modal-title")
            yield Static(self.first_body(), id=f"{self.ID_PREFIX}-body")
            yield Static(self.HINT, classes="hint")

    def on_mount(self) -> None:
        self.query_one(f"#{self.ID_PREFIX}-scroll", VerticalScroll).focus()
        self.opened()

    def opened(self) -> None:
        """After the body is on screen and focused (a subclass may start asking here)."""

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
