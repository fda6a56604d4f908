"""The question `q` asks while a workload launched from the app still runs as a Ray job:
stop it, leave it running in the cluster, or do not quit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

QuitAnswer = Literal["stop", "leave", "cancel"]


class QuitRunningScreen(ModalScreen[QuitAnswer]):
    BINDINGS = [
        Binding("s", "answer('stop')", "Stop and quit"),
        Binding("l", "answer('leave')", "Leave running and quit"),
        Binding("escape,c", "answer('cancel')", "Cancel"),
        Binding("q", "ignore", show=False, priority=True),  # not a second question
    ]
    DEFAULT_CSS = """
    QuitRunningScreen { align: center middle; }
    QuitRunningScreen > Vertical { width: 72; max-width: 100%; height: auto;
                                   border: round $warning; background: $surface; padding: 0 1; }
    QuitRunningScreen Horizontal { height: auto; }
    QuitRunningScreen Button { margin: 1 1 0 0; }
    """

    def __init__(self, running: Sequence[str]) -> None:
        super().__init__()
        self.running = list(running)  # "Fibonacci size=... (job raysubmit_...)"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Still running in the cluster[/b]: " + "; ".join(self.running),
                         id="quit-running")
            yield Static("Stop the job before quitting, or leave it running (its workers "
                         "keep their CPUs until it ends)? A cluster raytui started itself "
                         "stops with raytui, and its jobs with it.")
            with Horizontal():
                yield Button("Stop and quit (s)", id="stop", variant="error")
                yield Button("Leave running and quit (l)", id="leave", variant="warning")
                yield Button("Cancel (esc)", id="cancel")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(str(event.button.id))

    def action_answer(self, answer: str) -> None:
        if answer in ("stop", "leave", "cancel"):
            self.dismiss(answer)  # type: ignore[arg-type]

    def action_ignore(self) -> None:
        pass
