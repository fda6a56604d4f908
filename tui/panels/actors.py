"""Actors panel: class, name, state, where it runs, what it costs, how it died."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.core.model import Actor, Snapshot, WorkerKey
from tui.panels.cells import SEVERITY_STYLE, cpu_bar, fields_text, fmt_bytes, show
from tui.panels.keyed_table import KeyedTable
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

SORTS = ("cpu", "rss", "class", "state", "restarts")
STATE_STYLE = {"ALIVE": "green", "DEAD": "red", "RESTARTING": "yellow",
               "PENDING_CREATION": "yellow", "DEPENDENCIES_UNREADY": "yellow"}


class ActorsPanel(Vertical):
    DEFAULT_CSS = """
    ActorsPanel #actors-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sort = SORTS[0]
        self._last: tuple[Snapshot, ViewState] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="actors-caption")
        yield KeyedTable(
            [("class", "class"), ("name", "name"), ("state", "state"), ("pid", "pid"),
             ("node", "node"), ("cpu", "CPU"), ("rss", "RSS"), ("restarts", "restarts"),
             ("death", "death cause")],
            id="actors-table",
        )

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#actors-table", KeyedTable)

    def cycle_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def _sort_key(self, actor: Actor) -> tuple[object, ...]:
        if self.sort == "rss":
            return (-(actor.rss_bytes or 0), actor.actor_id)
        if self.sort == "class":
            return (actor.class_name, actor.name, actor.actor_id)
        if self.sort == "state":
            return (actor.state != "ALIVE", actor.state, actor.class_name, actor.actor_id)
        if self.sort == "restarts":
            return (-actor.num_restarts, actor.actor_id)
        return (actor.state != "ALIVE", -round(actor.cpu_percent or 0.0), actor.actor_id)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self._last = (snapshot, view)
        actors = [a for a in snapshot.actors
                  if view.matches(a.class_name, a.name, a.state, a.pid, a.node_id, a.actor_id)]
        table = self.table
        rows = {}
        for actor in actors:
            severity = (view.severity_of_worker(WorkerKey(actor.node_id, actor.pid))
                        if actor.pid and actor.node_id else None)
            rows[actor.actor_id] = (
                table.first_cell(actor.class_name, actor.actor_id,
                                      SEVERITY_STYLE[severity] if severity else ""),
                actor.name or "-",
                Text(actor.state, style=STATE_STYLE.get(actor.state, "")),
                str(actor.pid) if actor.pid else "-",
                (actor.node_id or "-")[:8],
                cpu_bar(actor.cpu_percent, width=6),
                fmt_bytes(actor.rss_bytes),
                str(actor.num_restarts),
                (actor.death_cause or "")[:60],
            )
        order = [a.actor_id for a in sorted(actors, key=self._sort_key)]
        table.sync(rows, order)
        alive = sum(1 for a in snapshot.actors if a.state == "ALIVE")
        info = snapshot.actors_list
        truncated = f" (state API returned {info.returned} of {info.total})" \
            if info.truncated else ""
        filtered = f"  filter: {view.filter_text!r}" if view.filter_text else ""
        show(self.query_one("#actors-caption", Static),
            f"{len(snapshot.actors)} actors, {alive} alive{truncated}  sort: {self.sort}"
            f"{filtered}")

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Actors {len(snapshot.actors)}"

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        if self._last is None or key is None:
            return None
        actor = next((a for a in self._last[0].actors if a.actor_id == key), None)
        return actor_detail(actor) if actor is not None else None


def actor_detail(actor: Actor) -> Detail:
    return f"Actor {actor.class_name} {actor.name}".strip(), fields_text([
        ("actor id", actor.actor_id), ("class", actor.class_name),
        ("name", actor.name), ("state", actor.state), ("pid", actor.pid),
        ("node", actor.node_id), ("CPU %", actor.cpu_percent),
        ("RSS", fmt_bytes(actor.rss_bytes)), ("restarts", actor.num_restarts),
        ("death cause", actor.death_cause)])
