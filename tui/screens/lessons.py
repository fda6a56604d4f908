"""Lessons screen (T): the tutorial's steps, what to watch, which are done; enter
launches the selected step's workload through the app's own keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.lessons import STEPS, Lessons, Step


class LessonsScreen(ModalScreen[str | None]):
    """Dismisses with the app action that launches the chosen step (or None)."""

    BINDINGS = [
        Binding("escape,q", "dismiss_none", "Close"),
        Binding("r", "reset", "Start again"),
        Binding("j", "cursor_down", "Next step", show=False),
        Binding("k", "cursor_up", "Previous step", show=False),
    ]
    DEFAULT_CSS = """
    LessonsScreen { align: center middle; }
    LessonsScreen > VerticalScroll { width: 110; max-width: 100%; height: auto;
                                     max-height: 100%; border: round $accent;
                                     background: $surface; padding: 0 1; }
    LessonsScreen #lessons-body { height: auto; }
    LessonsScreen OptionList { width: 100%; height: auto; max-height: 8; }
    LessonsScreen #lesson-text { width: 100%; height: auto; padding: 0 1; }
    """

    # the app action each step's key runs (the same keys as in the main screen)
    ACTIONS = {"f": "launch_fibonacci", "g": "launch_gsod",
               "L": "open_lab"}

    def __init__(self, lessons: Lessons, cpus: int = 2) -> None:
        super().__init__()
        self.lessons = lessons
        self.cpus = cpus  # the cluster's: a step's command scales with them

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.lessons.ui("title"), id="lessons-title")
            with Vertical(id="lessons-body"):
                yield OptionList(*self._options(), id="lesson-steps")
                yield Static(id="lesson-text")
            yield Static(self.lessons.ui("help"), classes="hint", id="lessons-progress")

    def _options(self) -> list[Option]:
        return [Option(f"{'✓' if self.lessons.is_done(s) else '·'} {n}. "
                       f"{self.lessons.text(s, 'title')}", id=s.id)
                for n, s in enumerate(STEPS, 1)]

    def on_mount(self) -> None:
        steps = self.query_one(OptionList)
        current = self.lessons.current()
        steps.highlighted = STEPS.index(current) if current is not None else 0
        steps.focus()
        self._show(STEPS[steps.highlighted or 0])

    def selected_step(self) -> Step:
        index = self.query_one(OptionList).highlighted
        return STEPS[index or 0]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(STEPS[event.option_index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        step = STEPS[event.option_index]
        # a Fibonacci step opens the form filled with its own run
        self.dismiss(f"workload_form('fibonacci', {step.id!r})" if step.fib
                     else self.ACTIONS.get(step.key))

    def _show(self, step: Step) -> None:
        lessons = self.lessons
        text = Text()
        text.append(lessons.text(step, "title") + "\n", style="bold")
        text.append(lessons.text(step, "explain") + "\n\n")
        text.append(f"{lessons.ui('watch')}: ", style="bold")
        text.append(lessons.text(step, "watch") + "\n\n")
        if lessons.is_done(step):
            text.append(f"{lessons.ui('done')}: ", style="bold green")
            text.append(lessons.text(step, "done"))
        else:
            text.append(lessons.ui("todo"), style="yellow")
        text.append(f"\n\n{lessons.ui('key')} {step.key}  |  {step.command(self.cpus)}", style="dim")
        self.query_one("#lesson-text", Static).update(text)
        done = sum(lessons.is_done(s) for s in STEPS)
        progress = lessons.ui("progress").format(done=done, total=len(STEPS))
        self.query_one("#lessons-progress", Static).update(f"{progress}   {lessons.ui('help')}")

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_reset(self) -> None:
        self.lessons.reset()
        steps = self.query_one(OptionList)
        steps.clear_options()
        steps.add_options(self._options())
        steps.highlighted = 0
        self._show(STEPS[0])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
