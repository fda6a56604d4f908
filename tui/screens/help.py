"""Help: every key of the app, taken from its BINDINGS so it can never drift."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "raytui shows a Ray cluster live. Tabs: Workers (busiest first; grouped by node on "
    "a cluster of several), Tasks, Actors, Flags (what looks wrong, enter explains), "
    "Workload (what f or g launched)."
)


def key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "tab": "tab",
             "enter": "enter", "escape": "esc", "full_stop": ".", "comma": ",",
             "left_square_bracket": "[", "right_square_bracket": "]",
             "circumflex_accent": "^", "dollar_sign": "$", "right": "→", "left": "←"}
    return ", ".join(names.get(k, k) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 100%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self._key_bindings = bindings

    def compose(self) -> ComposeResult:
        keys = Text()
        width = max((len(key_label(b.key)) for b in self._key_bindings), default=0)
        for index, binding in enumerate(self._key_bindings):
            if index:
                keys.append("\n")
            keys.append(key_label(binding.key).ljust(width + 2), style="bold")
            keys.append(binding.description)
        with VerticalScroll():
            yield Static("[b]raytui keys[/b]  (esc closes)")
            yield Static(INTRO)
            yield Static(keys, id="help-keys")
            yield Static("ctrl+p opens the command palette with the same actions.")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
