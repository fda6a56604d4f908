"""Actors panel: class, name, state, where it runs, what it costs, how it died."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.core.model import Actor, Snapshot, WorkerKey
from tui.panels.cells import SEVERITY_STYLE, cpu_bar, fields_text, fmt_bytes, show
from tui.panels.grouping import (
    FILTER_OPENS_AT_MOST,
    OPEN_WHEN_AT_MOST,
    GroupedPanel,
    GroupedTable,
    group_key,
    rows_to_sync,
)
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

SORTS = ("cpu", "rss", "class", "state", "restarts")
STATE_STYLE = {"ALIVE": "green", "DEAD": "red", "RESTARTING": "yellow",
               "PENDING_CREATION": "yellow", "DEPENDENCIES_UNREADY": "yellow"}


@dataclass
class ClassGroup:
    """One actor class: its actors and what its summary row shows."""

    name: str
    actors: list[Actor]
    matching: list[Actor]
    alive: int = 0
    cpu: float = 0.0
    rss: int = 0
    restarts: int = 0

    @classmethod
    def of(cls, name: str, actors: list[Actor], matching: list[Actor]) -> ClassGroup:
        group = cls(name, actors, matching)
        for actor in actors:
            group.alive += actor.state == "ALIVE"
            group.cpu += actor.cpu_percent or 0.0
            group.rss += actor.rss_bytes or 0
            group.restarts += actor.num_restarts
        return group


class ActorsPanel(GroupedPanel):
    """Actors grouped by class when there are several classes (10,000 actors are a few
    summary rows; only the open classes' rows are built)."""

    DEFAULT_CSS = """
    ActorsPanel #actors-caption { height: 1; color: $text-muted; }
    """
    TABLE_ID = "actors-table"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sort = SORTS[0]
        self._actors: dict[str, Actor] = {}  # the actor rows shown, by row key

    def compose(self) -> ComposeResult:
        yield Static("", id="actors-caption")
        yield GroupedTable(
            [("class", "class"), ("name", "name"), ("state", "state"), ("pid", "pid"),
             ("node", "node"), ("cpu", "CPU"), ("rss", "RSS"), ("restarts", "restarts"),
             ("death", "death cause")],
            id="actors-table",
        )

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

    def _group_sort_key(self, group: ClassGroup) -> tuple[object, ...]:
        if self.sort == "rss":
            return (-group.rss, group.name)
        if self.sort == "state":
            return (group.alive == len(group.actors), group.name)  # classes with deaths first
        if self.sort == "restarts":
            return (-group.restarts, group.name)
        if self.sort == "cpu":
            return (-round(group.cpu), group.name)
        return (group.name,)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self._last = (snapshot, view)
        table = self.table
        filtering = bool(view.filter_text.strip())
        by_class: dict[str, list[Actor]] = {}
        for actor in snapshot.actors:
            by_class.setdefault(actor.class_name, []).append(actor)
        groups = []
        for name, actors in by_class.items():
            matching = [a for a in actors if view.matches(
                a.class_name, a.name, a.state, a.pid, a.node_id, a.actor_id)] \
                if filtering else actors
            groups.append(ClassGroup.of(name, actors, matching))
        grouped = len(by_class) > 1
        self.expansion.forget_all_but(by_class)
        small = len(snapshot.actors) <= OPEN_WHEN_AT_MOST
        budget = FILTER_OPENS_AT_MOST
        order: list[str] = []
        group_rows: dict[str, tuple[ClassGroup, bool]] = {}
        table.group_of = {}
        self._actors = {}
        self.open_groups = []
        for group in sorted(groups, key=self._group_sort_key):
            if not group.matching:
                continue
            is_open = True
            if grouped:
                default = small or (filtering and len(group.matching) <= budget)
                is_open = self.expansion.is_open(group.name, default)
                group_rows[group_key(group.name)] = (group, is_open)
                order.append(group_key(group.name))
            if not is_open:
                continue
            self.open_groups.append(group.name)
            if filtering:
                budget -= len(group.matching)
            for actor in sorted(group.matching, key=self._sort_key):
                order.append(actor.actor_id)
                table.group_of[actor.actor_id] = group.name
                self._actors[actor.actor_id] = actor

        def build(key: str) -> tuple[object, ...]:
            if key in group_rows:
                return self._group_row(*group_rows[key], filtering)
            return self._actor_row(self._actors[key], view)

        table.sync(rows_to_sync(table, order, build), order)
        alive = sum(g.alive for g in groups)
        info = snapshot.actors_list
        truncated = f" (state API returned {info.returned} of {info.total})" \
            if info.truncated else ""
        classes = (f" in {len(by_class)} classes ({len(self.open_groups)} open: enter or →/←)"
                   if grouped else "")
        filtered = f"  filter: {view.filter_text!r}" if view.filter_text else ""
        show(self.query_one("#actors-caption", Static),
             f"{len(snapshot.actors)} actors, {alive} alive{truncated}{classes}"
             f"  sort: {self.sort}{filtered}")

    def _actor_row(self, actor: Actor, view: ViewState) -> tuple[object, ...]:
        severity = (view.severity_of_worker(WorkerKey(actor.node_id, actor.pid))
                    if actor.pid and actor.node_id else None)
        return (
            self.table.first_cell(actor.class_name, actor.actor_id,
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

    def _group_row(self, group: ClassGroup, is_open: bool,
                   filtering: bool) -> tuple[object, ...]:
        count = (f"{len(group.matching)} of {len(group.actors)} match" if filtering
                 else f"{len(group.actors)} actors")
        dead = len(group.actors) - group.alive
        state = Text(f"{group.alive} alive", style="green")
        if dead:
            state.append(f", {dead} not", style="yellow")
        return (
            self.table.first_cell(f"{'▾' if is_open else '▸'} {group.name}",
                                  group_key(group.name), "bold"),
            Text(count, style="bold"),
            state,
            "",
            "",
            cpu_bar(group.cpu, width=6),
            fmt_bytes(group.rss),
            str(group.restarts),
            "",
        )

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Actors {len(snapshot.actors)}"

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        actor = self._actors.get(key) if key is not None else None
        return actor_detail(actor) if actor is not None else None


def actor_detail(actor: Actor) -> Detail:
    return f"Actor {actor.class_name} {actor.name}".strip(), fields_text([
        ("actor id", actor.actor_id), ("class", actor.class_name),
        ("name", actor.name), ("state", actor.state), ("pid", actor.pid),
        ("node", actor.node_id), ("CPU %", actor.cpu_percent),
        ("RSS", fmt_bytes(actor.rss_bytes)), ("restarts", actor.num_restarts),
        ("death cause", actor.death_cause)])
