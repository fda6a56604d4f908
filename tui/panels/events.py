"""Events panel: what happened, newest first; enter shows an event in full.

The events come with the snapshots (`Snapshot.events`, the new ones of each poll). The
app hands every snapshot to `keep` as it arrives, whichever tab is on screen, so the
list outlives the flags that cleared and the tabs that were hidden; `show` only draws.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.core.model import Event, Snapshot
from tui.panels.cells import show
from tui.panels.keyed_table import KeyedTable
from tui.panels.view import ViewState

MAX_KEPT = 1000
KIND_STYLE = {
    "flag_raised": "bold yellow", "flag_cleared": "green",
    "workload_started": "cyan", "workload_ended": "cyan",
    "node_joined": "green", "node_died": "bold red", "actor_died": "red",
    "task_failed": "red", "connection_lost": "bold red", "connection_back": "green",
}


def event_clock(event: Event) -> str:
    return time.strftime("%H:%M:%S", time.localtime(event.time))


def event_subject(event: Event) -> str:
    """A short name of what it is about: flag keys and ids are long."""
    if event.kind.startswith("flag_"):
        return event.subject.split(":", 1)[1][:8] if ":" in event.subject else ""
    return event.subject[:12]


class EventsPanel(Vertical):
    DEFAULT_CSS = """
    EventsPanel #events-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, maxlen: int = MAX_KEPT, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._kept: deque[tuple[str, Event]] = deque(maxlen=maxlen)
        self._known: set[Event] = set()  # the kept events, to keep each once
        self._count = 0
        self._fed: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="events-caption")
        yield KeyedTable([("time", "time"), ("kind", "kind"), ("about", "about"),
                          ("message", "what happened")], id="events-table")

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#events-table", KeyedTable)

    @property
    def events(self) -> list[Event]:
        """The kept events, oldest first."""
        return [event for _key, event in self._kept]

    def keep(self, snapshot: Snapshot) -> None:
        """Keep a snapshot's new events (each snapshot once: a redraw feeds nothing)."""
        if snapshot is self._fed:
            return
        self._fed = snapshot
        self.add(snapshot.events)

    def add(self, events: Iterable[Event]) -> None:
        """Keep events not kept yet (a replay seeking back hands some over again)."""
        for event in events:
            if event in self._known:
                continue
            if len(self._kept) == self._kept.maxlen:
                self._known.discard(self._kept[0][1])
            self._count += 1
            self._kept.append((f"event-{self._count}", event))
            self._known.add(event)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self.keep(snapshot)  # the app may feed it already; each snapshot counts once
        shown = [(key, e) for key, e in self._kept
                 if view.matches(e.kind, e.message, e.subject, event_clock(e))]
        table = self.table
        rows = {
            key: (table.first_cell(event_clock(e), key),
                  Text(e.kind, style=KIND_STYLE.get(e.kind, "")),
                  event_subject(e),
                  e.message)
            for key, e in shown
        }
        table.sync(rows, [key for key, _e in reversed(shown)])
        if not self._kept:
            caption = "no events yet: flags raised and cleared, deaths and failures land here"
        else:
            of = f"{len(shown)} of " if view.filter_text else ""
            caption = (f"{of}{len(self._kept)} events, newest first; enter shows one"
                       + (f"  filter: {view.filter_text!r}" if view.filter_text else ""))
        show(self.query_one("#events-caption", Static), caption)

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Events {len(self._kept)}"

    def selected_event(self) -> Event | None:
        key = self.table.selected_key
        return next((e for k, e in self._kept if k == key), None) if key else None

    def selected_detail(self) -> tuple[str, Text] | None:
        event = self.selected_event()
        return event_detail(event) if event is not None else None


def event_detail(event: Event) -> tuple[str, Text]:
    body = Text()
    body.append("time      ", style="bold")
    body.append(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.time)))
    body.append("\nkind      ", style="bold")
    body.append(event.kind, style=KIND_STYLE.get(event.kind, ""))
    if event.subject:
        body.append("\nabout     ", style="bold")
        body.append(event.subject)
    if event.duration_s is not None:
        body.append("\nlasted    ", style="bold")
        body.append(f"{event.duration_s:.1f} s")
    body.append("\n\n")
    body.append(event.message)
    if event.detail:
        body.append("\n\n")
        body.append(event.detail)
    return event.kind.replace("_", " "), body
