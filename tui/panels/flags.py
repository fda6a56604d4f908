"""Flags panel: what the detectors found, worst first; enter explains the selected flag."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.core.model import Flag, Snapshot
from tui.panels.cells import SEVERITY_MARK, SEVERITY_STYLE, show
from tui.panels.keyed_table import KeyedTable
from tui.panels.protocol import Detail
from tui.panels.view import SEVERITY_RANK, ViewState


def flag_key(flag: Flag) -> str:
    return flag.key


def flag_line(flag: Flag) -> Text:
    """One line for the summaries: severity mark, kind, message."""
    text = Text()
    text.append(f"{SEVERITY_MARK[flag.severity]:>2} {flag.kind}", style=SEVERITY_STYLE[flag.severity])
    text.append(f"  {flag.message}")
    return text


class FlagsPanel(Vertical):
    DEFAULT_CSS = """
    FlagsPanel #flags-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._flags: dict[str, Flag] = {}  # the shown flags by row key, for details

    def compose(self) -> ComposeResult:
        yield Static("", id="flags-caption")
        yield KeyedTable(
            [("severity", "severity"), ("kind", "kind"), ("subjects", "about"),
             ("message", "message")],
            id="flags-table",
        )

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#flags-table", KeyedTable)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        flags = [f for f in snapshot.flags if view.matches(f.kind, f.message, f.about_text(), *f.nodes)]
        rows = {
            flag_key(f): (
                self.table.first_cell(f"{SEVERITY_MARK[f.severity]:>2} {f.severity}",
                                      flag_key(f), SEVERITY_STYLE[f.severity]),
                Text(f.kind, style=SEVERITY_STYLE[f.severity]),
                f.about_text(),
                f.message,
            )
            for f in flags
        }
        order = [flag_key(f) for f in sorted(
            flags, key=lambda f: (-SEVERITY_RANK[f.severity], f.kind, f.key))]
        self.table.sync(rows, order)
        self._flags = {flag_key(f): f for f in flags}
        caption = (f"{len(snapshot.flags)} active flags; enter explains the selected one"
                   if snapshot.flags else "no flags: nothing unusual right now")
        show(self.query_one("#flags-caption", Static), caption)

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Flags {len(snapshot.flags)}" + ("!" if snapshot.flags else "")

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        flag = self._flags.get(key) if key is not None else None
        return flag_detail(flag) if flag is not None else None


def flag_detail(flag: Flag) -> Detail:
    """A flag's explanation, for learners."""
    body = Text()
    body.append(flag.message + "\n\n", style="bold")
    body.append(f"about: {flag.about_text() or '-'}\n\n")
    body.append(flag.explanation or "(no explanation given for this flag)")
    return f"{flag.kind} ({flag.severity})", body
