"""A confirmation that names what will be stopped; returns the chosen answer or None."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True)
class Choice:
    key: str  # one letter
    label: str  # what it does, e.g. "kill, no restart"
    value: str  # returned to the caller


YES = (Choice("y", "yes", "yes"),)


class ConfirmScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape,n", "dismiss_none", "Cancel")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 72; max-width: 100%; height: auto;
                               border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-title { text-style: bold; }
    ConfirmScreen #confirm-keys { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, title: str, body: str, choices: tuple[Choice, ...] = YES) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self.choices = choices

    def compose(self) -> ComposeResult:
        keys = "   ".join(f"[b]{c.key}[/b] {c.label}" for c in self.choices)
        with Vertical():
            yield Static(self._title, id="confirm-title", markup=False)
            yield Static(self._body, id="confirm-body", markup=False)
            yield Static(f"{keys}   [b]n[/b]/[b]esc[/b] cancel", id="confirm-keys")

    def on_key(self, event: Key) -> None:
        choice = next((c for c in self.choices if c.key == event.character), None)
        if choice is not None:
            event.stop()
            self.dismiss(choice.value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
