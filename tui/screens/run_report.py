"""The story of a finished run, as a screen: bars per worker, flags with their spans,
and the verdict (opened by the app when a workload it launched ends)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.story import RunStory

BAR_WIDTH = 24


def story_text(story: RunStory) -> Text:
    text = Text()
    text.append(f"{story.wall_s:.1f} s wall", style="bold")
    text.append(f"   CPU peak {story.peak_busy_cores:.1f}, mean {story.mean_busy_cores:.1f}"
                f" of {story.cores:g} cores\n\n")
    counted = "tasks" if story.tasks_exact else "tasks seen"
    text.append("Who did the work\n", style="bold underline")
    if not story.workers:
        text.append("  no worker did measurable work\n", style="dim")
    for share in story.workers:
        filled = round(share.share * BAR_WIDTH)
        text.append(f"  pid {share.key.pid:>7} ")
        text.append("█" * filled, style="green")
        text.append("·" * (BAR_WIDTH - filled), style="dim")
        text.append(f" {share.share:4.0%}  {share.tasks} {counted}  {share.doing}\n")
    text.append("\nFlags\n", style="bold underline")
    if not story.flags:
        text.append("  none raised during the run\n", style="dim")
    for span in story.flags:
        lasted = f"{span.seconds:.0f} s" + ("" if span.cleared else ", until the end")
        text.append(f"  {span.kind}", style="bold yellow")
        text.append(f" ({lasted}): {span.message}\n")
        if span.explanation:
            text.append(f"    {span.explanation}\n", style="italic")
    text.append("\nVerdict: ", style="bold")
    text.append(story.verdict)
    return text


class RunReportScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    RunReportScreen { align: center middle; }
    RunReportScreen > VerticalScroll { width: 100; max-width: 100%; height: auto;
                                       max-height: 100%; border: round $accent;
                                       background: $surface; padding: 0 1; }
    RunReportScreen #report-title { text-style: bold; }
    """

    def __init__(self, story: RunStory) -> None:
        super().__init__()
        self.story = story

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"How the run went: {self.story.title}", id="report-title")
            yield Static(story_text(self.story), id="report-body")
            yield Static("esc closes", classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
