"""A process's or job's log, followed live: search, jump, stdout/stderr, bounded buffer.

The stream is read in a daemon thread (`LogFeed.open`, see tui/core/sources/logs.py), not a
Textual thread worker: Ray's stream endpoint sends no headers until the log's first line,
so a quiet process keeps the read blocked, and Textual's workers run in the event loop's
executor, which the interpreter joins at exit (raytui would not quit). Lines are handed to
Textual's `Log` widget, which keeps the last MAX_LINES; the status
line says how many older lines were dropped. Follow (on at first) keeps the view at the
end; any jump turns it off, `f` turns it back on.
"""

from __future__ import annotations

import re
import threading
from contextlib import suppress

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Log, Static

from tui.core.sources.logs import DEFAULT_TAIL, LogFeed, LogStream, split_lines
from tui.core.text import error_line

MAX_LINES = 10_000
QUIET_S = 2.0  # then say the log has nothing yet, instead of "opening..."


class SearchHighlighter(Highlighter):
    def __init__(self, term: str = "") -> None:
        self.term = term

    def highlight(self, text: Text) -> None:
        if self.term:
            text.highlight_regex(re.escape(self.term), "black on yellow")


class LogViewScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("f", "toggle_follow", "Follow"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match"),
        Binding("N", "next_match(-1)", "Previous match"),
        Binding("g,home", "jump_start", "Start"),
        Binding("G,end", "jump_end", "End"),
        Binding("o", "switch_stream", "stdout/stderr"),
    ]
    DEFAULT_CSS = """
    LogViewScreen #log-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    LogViewScreen #log-status { height: 1; color: $text-muted; padding: 0 1; }
    LogViewScreen Log { height: 1fr; }
    LogViewScreen #log-search { display: none; dock: bottom; margin-bottom: 1; }
    LogViewScreen #log-search.-visible { display: block; }
    """

    def __init__(self, feed: LogFeed, tail: int = DEFAULT_TAIL,
                 max_lines: int = MAX_LINES) -> None:
        super().__init__()
        self.feed = feed
        self.max_lines = max_lines
        self.tail = tail
        self.suffix = feed.streams[0]
        self.follow = True
        self.received = 0  # lines received since the stream opened (kept or dropped)
        self.state = "opening..."
        self.term = ""
        self.match_line: int | None = None
        self._stream: LogStream | None = None
        self._generation = 0  # a switched stream's late lines are ignored
        self._highlighter = SearchHighlighter()

    def compose(self) -> ComposeResult:
        yield Static("", id="log-title")
        yield Static("", id="log-status")
        log = Log(max_lines=self.max_lines, highlight=True, auto_scroll=True, id="log-lines")
        log.highlighter = self._highlighter
        yield log
        yield Input(placeholder="search (enter finds, esc cancels)", id="log-search")
        yield Footer()

    @property
    def log_widget(self) -> Log:
        return self.query_one("#log-lines", Log)

    def on_mount(self) -> None:
        self._open()
        self.log_widget.focus()

    def on_unmount(self) -> None:
        self._close_stream()

    # --- reading ------------------------------------------------------------

    def _open(self) -> None:
        self._close_stream()
        self._generation += 1
        self.received = 0
        self.match_line = None
        self.log_widget.clear()
        self.state = "opening..."
        self._show_status()
        threading.Thread(target=self._read, args=(self._generation, self.suffix),
                         name="raytui-log-read", daemon=True).start()
        self.set_timer(QUIET_S, lambda generation=self._generation: self._quiet(generation))

    def _quiet(self, generation: int) -> None:
        waiting = self.state in ("opening...", "following", "reading") and not self.received
        if generation == self._generation and waiting and self.is_mounted:
            self.state = "no output yet: waiting for its first line"
            self._show_status()

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _read(self, generation: int, suffix: str) -> None:
        with suppress(RuntimeError):  # the app has gone (call_from_thread after exit)
            self._read_stream(generation, suffix)

    def _read_stream(self, generation: int, suffix: str) -> None:
        try:
            stream = self.feed.open(suffix, self.tail)
        except Exception as err:  # one line in the view, never a traceback
            self.app.call_from_thread(self._ended, generation, error_line(err))
            return
        if generation != self._generation:
            stream.close()
            return
        self.app.call_from_thread(self._opened, generation, stream)
        pending = ""
        try:
            for chunk in stream:
                if generation != self._generation:
                    return
                lines, pending = split_lines(pending, chunk)
                if lines:
                    self.app.call_from_thread(self._append, generation, lines)
        except Exception as err:
            if generation == self._generation:
                self.app.call_from_thread(self._ended, generation, error_line(err))
            return
        finally:
            stream.close()
        if pending:
            self.app.call_from_thread(self._append, generation, [pending])
        self.app.call_from_thread(self._ended, generation, "the log ended (the process or "
                                  "job has finished)")

    def _opened(self, generation: int, stream: LogStream) -> None:
        if generation != self._generation or not self.is_mounted:
            stream.close()
            return
        self._stream = stream
        self.state = "following" if self.follow else "reading"
        self._show_status()

    def _append(self, generation: int, lines: list[str]) -> None:
        if generation != self._generation or not self.is_mounted:
            return
        self.received += len(lines)
        if self.state.startswith("no output yet"):
            self.state = "following" if self.follow else "reading"
        self.log_widget.write_lines(lines, scroll_end=self.follow)
        self._show_status()

    def _ended(self, generation: int, message: str) -> None:
        if generation != self._generation or not self.is_mounted:
            return
        self.state = message
        self._show_status()

    # --- what the user sees -------------------------------------------------

    @property
    def dropped(self) -> int:
        return max(0, self.received - self.log_widget.line_count)

    def status_text(self) -> str:
        parts = [f"{self.log_widget.line_count} lines"]
        if self.dropped:
            parts.append(f"{self.dropped} older lines dropped (keeps the last {self.max_lines:,})")
        parts.append(f"follow {'on' if self.follow else 'off'}")
        if self.term:
            parts.append(self._match_text())
        parts.append(self.state)
        return "  ·  ".join(parts)

    def _match_text(self) -> str:
        matches = self._matches()
        if not matches:
            return f"/{self.term}: no match"
        if self.match_line in matches:
            return f"/{self.term}: {matches.index(self.match_line) + 1} of {len(matches)}"
        return f"/{self.term}: {len(matches)} matches"

    def _show_status(self) -> None:
        stream = {"out": "stdout", "err": "stderr"}.get(self.suffix, self.suffix)
        other = "  (o: stderr/stdout)" if len(self.feed.streams) > 1 else ""
        self.query_one("#log-title", Static).update(f"log of {self.feed.title}: {stream}{other}")
        self.query_one("#log-status", Static).update(self.status_text())

    # --- keys ---------------------------------------------------------------

    def action_close(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_class("-visible"):
            search.remove_class("-visible")
            self.log_widget.focus()
            return
        self._close_stream()
        self._generation += 1
        self.dismiss(None)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.log_widget.auto_scroll = self.follow
        if self.follow:
            self.log_widget.scroll_end(animate=False)
        if self.state in ("following", "reading"):
            self.state = "following" if self.follow else "reading"
        self._show_status()

    def _stop_following(self) -> None:
        self.follow = False
        self.log_widget.auto_scroll = False
        if self.state == "following":
            self.state = "reading"

    def action_jump_start(self) -> None:
        self._stop_following()
        self.log_widget.scroll_home(animate=False)
        self._show_status()

    def action_jump_end(self) -> None:
        self.log_widget.scroll_end(animate=False)
        self._show_status()

    def action_switch_stream(self) -> None:
        if len(self.feed.streams) < 2:
            self.notify("this log has one stream (the jobs API merges stdout and stderr)",
                        timeout=3)
            return
        streams = self.feed.streams
        self.suffix = streams[(streams.index(self.suffix) + 1) % len(streams)]
        self._open()

    def action_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.add_class("-visible")
        search.value = self.term
        search.focus()

    @on(Input.Submitted, "#log-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#log-search", Input).remove_class("-visible")
        self.log_widget.focus()
        self.term = event.value
        self._highlighter.term = self.term
        self.log_widget.notify_style_update()  # drops the rendered-line cache
        self.log_widget.refresh()
        self.match_line = None
        self.action_next_match(1)

    def _matches(self) -> list[int]:
        if not self.term:
            return []
        needle = self.term.lower()
        return [i for i, line in enumerate(self.log_widget.lines) if needle in line.lower()]

    def action_next_match(self, step: int) -> None:
        matches = self._matches()
        if not matches:
            self._show_status()
            if self.term:
                self.notify(f"no line contains {self.term!r}", timeout=2)
            return
        self._stop_following()
        if self.match_line is None:
            top = int(self.log_widget.scroll_y)
            after = [m for m in matches if m >= top]
            line = after[0] if step > 0 and after else matches[-1 if step < 0 else 0]
        else:
            later = [m for m in matches if (m > self.match_line if step > 0 else m < self.match_line)]
            line = (later[0] if step > 0 else later[-1]) if later else \
                matches[0 if step > 0 else -1]  # wrap around
        self.match_line = line
        self.log_widget.scroll_to(y=max(0, line - 2), animate=False)
        self._show_status()
