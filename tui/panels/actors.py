"""Actors panel: class, name, state, where it runs, what it costs, how it died."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.core.model import Actor, Snapshot, WorkerKey
from tui.panels.cells import (
    SEVERITY_STYLE,
    cpu_bar,
    fields_text,
    fmt_bytes,
    progress_bar,
    show,
)
from tui.panels.grouping import GroupedPanel, GroupedTable, by_key, group_key
from tui.panels.protocol import Detail
from tui.panels.view import ViewState
from workloads.gsod.progress_lines import GsodProgress

SORTS = ("cpu", "rss", "class", "state", "restarts")
COLUMNS = [("class", "class"), ("name", "name"), ("state", "state"), ("pid", "pid"),
           ("node", "node"), ("cpu", "CPU"), ("rss", "RSS"), ("restarts", "restarts"),
           ("death", "death cause")]
LOAD_COLUMN = ("load", "load progress")  # while a launched GSOD run reports its actors'
LOAD_BAR_WIDTH = 12
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

    @property
    def group_id(self) -> str:
        return self.name

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
        # by actor id: set by the app from the Workload tab's run (ShowsLoadProgress)
        self.load_progress: Mapping[str, GsodProgress] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="actors-caption")
        yield GroupedTable(COLUMNS, id="actors-table")

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
        progress = dict(self.load_progress)  # as of now: the Workload tab keeps updating its own
        shown = {a.actor_id for a in snapshot.actors}
        loading = any(actor_id in shown for actor_id in progress)
        self.table.set_columns([*COLUMNS, LOAD_COLUMN] if loading else COLUMNS)
        filtering = bool(view.filter_text.strip())
        by_class = by_key(snapshot.actors, attrgetter("class_name"))
        groups = []
        for name, actors in by_class.items():
            matching = [a for a in actors if view.matches(
                a.class_name, a.name, a.state, a.pid, a.node_id, a.actor_id)] \
                if filtering else actors
            groups.append(ClassGroup.of(name, actors, matching))
        layout = self.lay_out(groups, rows=len(snapshot.actors), filtering=filtering,
                              group_sort=self._group_sort_key, member_sort=self._sort_key,
                              member_key=lambda actor: actor.actor_id)
        self._actors = layout.members
        self.draw(layout, lambda group, is_open: self._group_row(group, is_open, filtering,
                                                                 progress, loading),
                  lambda actor: self._actor_row(actor, view, progress, loading))
        grouped = len(by_class) > 1
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

    def _actor_row(self, actor: Actor, view: ViewState, progress: Mapping[str, GsodProgress],
                   loading: bool) -> tuple[object, ...]:
        severity = (view.severity_of_worker(WorkerKey(actor.node_id, actor.pid))
                    if actor.pid and actor.node_id else None)
        cells = (
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
        if not loading:
            return cells
        load = progress.get(actor.actor_id)
        return (*cells, load_cell(load) if load is not None else "")

    def _group_row(self, group: ClassGroup, is_open: bool, filtering: bool,
                   progress: Mapping[str, GsodProgress], loading: bool) -> tuple[object, ...]:
        count = (f"{len(group.matching)} of {len(group.actors)} match" if filtering
                 else f"{len(group.actors)} actors")
        dead = len(group.actors) - group.alive
        state = Text(f"{group.alive} alive", style="green")
        if dead:
            state.append(f", {dead} not", style="yellow")
        cells = (
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
        if not loading:
            return cells
        loads = [progress[a.actor_id] for a in group.actors if a.actor_id in progress]
        return (*cells, load_bar(sum(p.bytes for p in loads), sum(p.total_bytes for p in loads),
                                 all(p.done for p in loads)) if loads else "")

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Actors {len(snapshot.actors)}"

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        actor = self._actors.get(key) if key is not None else None
        if actor is None:
            return None
        return actor_detail(actor, self.load_progress.get(actor.actor_id))


def load_bar(done_bytes: int, total_bytes: int, done: bool) -> Text:
    """The share of the archive read, as the Tasks tab's bar (finished vs pending)."""
    left = 0 if done else max(0, total_bytes - done_bytes)
    bar = progress_bar({"FINISHED": done_bytes if not done else max(1, total_bytes),
                        "PENDING": left}, LOAD_BAR_WIDTH)
    share = 1.0 if done else done_bytes / total_bytes if total_bytes > 0 else 0.0
    bar.append(f" {share:4.0%}")
    return bar


def load_cell(progress: GsodProgress) -> Text:
    """One actor's load: the bar, then what it has read (stations, rows)."""
    cell = load_bar(progress.bytes, progress.total_bytes, progress.done)
    cell.append(f" {progress.year} {'loaded' if progress.done else 'loading'}: "
                f"{progress.stations:,} stations, {progress.rows:,} rows", style="dim")
    return cell


def actor_detail(actor: Actor, load: GsodProgress | None = None) -> Detail:
    loaded = [] if load is None else [
        ("load", f"{load.year}: {load.stations:,} stations, {load.rows:,} rows, "
                 f"{fmt_bytes(load.bytes)} of {fmt_bytes(load.total_bytes)}"
                 + (" (done)" if load.done else ""))]
    return f"Actor {actor.class_name} {actor.name}".strip(), fields_text([
        ("actor id", actor.actor_id), ("class", actor.class_name),
        ("name", actor.name), ("state", actor.state), ("pid", actor.pid),
        ("node", actor.node_id), ("CPU %", actor.cpu_percent),
        ("RSS", fmt_bytes(actor.rss_bytes)), ("restarts", actor.num_restarts),
        ("death cause", actor.death_cause), *loaded])
