"""A busy worker's current Python stack, the frames of the function it runs highlighted."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static

from tui.core.sources.stacks import StackResult, highlighted_lines
from tui.core.text import error_line
from tui.screens.text_modal import TextModal


def stack_text(result: StackResult, function: str) -> Text:
    if not result.ok:
        return Text(result.error or "no stack", style="bold red")
    marked = set(highlighted_lines(result.text, function))
    text = Text()
    for index, line in enumerate(result.text.rstrip("\n").splitlines()):
        if index:
            text.append("\n")
        text.append(line, style="bold black on yellow" if index in marked else "")
    return text


class StackScreen(TextModal):
    BINDINGS = [Binding("r", "refresh_stack", "Again")]
    ID_PREFIX = "stack"
    HINT = "r asks again · esc closes"
    DEFAULT_CSS = """
    StackScreen > VerticalScroll { width: 110; height: auto; max-height: 100%;
                                   border: round $accent; }
    """

    def __init__(self, title: str, fetch: Callable[[], StackResult], function: str = "") -> None:
        super().__init__(title)
        self._fetch = fetch
        self.function = function
        self.result: StackResult | None = None

    def first_body(self) -> str:
        return "asking for the stack..."

    def opened(self) -> None:
        self.action_refresh_stack()

    def action_refresh_stack(self) -> None:
        self.query_one("#stack-body", Static).update("asking for the stack...")
        self._load()

    @work(thread=True, exclusive=True, group="stack")
    def _load(self) -> None:
        try:
            result = self._fetch()
        except Exception as err:  # one line, the app keeps running
            result = StackResult(0, error=error_line(err))
        self.app.call_from_thread(self._show, result)

    def _show(self, result: StackResult) -> None:
        if not self.is_mounted:
            return
        self.result = result
        via = f"  (via {result.via})" if result.ok and result.via else ""
        self.query_one("#stack-title", Static).update(Text(self._title + via))
        self.query_one("#stack-body", Static).update(stack_text(result, self.function))
