"""Errors tab: failed tasks grouped by function and error type, dead actors and why.

Its data is not in the Snapshot: `detail=true` lists are big, so they are asked only
while this tab is shown (at most every REFRESH_S, in a thread worker: `OnDemandPanel`)
through `tui/core/sources/errors.py`. Enter opens the whole error text (copyable).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from tui.core.control import Target
from tui.core.model import Snapshot
from tui.core.sources.errors import DeadActor, ErrorGroup, ErrorReport
from tui.panels.cells import show
from tui.panels.keyed_table import KeyedTable
from tui.panels.on_demand import OnDemandPanel
from tui.panels.protocol import Detail

REFRESH_S = 3.0
FetchErrors = Callable[[], ErrorReport]


def clock(ms: int | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


class ErrorsPanel(OnDemandPanel[ErrorReport]):
    APP_FETCH = "fetch_errors"
    DEFAULT_CSS = """
    ErrorsPanel #errors-caption { height: 1; color: $text-muted; }
    ErrorsPanel #errors-preview { height: 2; color: $text; border-top: solid $primary; }
    """

    def __init__(self, fetch: FetchErrors | None = None, refresh_s: float = REFRESH_S,
                 **kwargs: object) -> None:
        super().__init__(fetch, refresh_s, **kwargs)

    def compose(self) -> ComposeResult:
        yield Static("asking Ray for failed tasks and dead actors...", id="errors-caption")
        yield KeyedTable([("what", "function / actor"), ("error", "error"), ("count", "count"),
                          ("first", "first"), ("last", "last"), ("message", "latest message")],
                         id="errors-table")
        yield Static("", id="errors-preview")  # the selected row's message, not cut

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#errors-table", KeyedTable)

    @property
    def report(self) -> ErrorReport | None:
        return self.answer

    # --- drawing ------------------------------------------------------------

    def _draw(self) -> None:
        view = self._view
        report = self.report
        rows: dict[str, tuple[object, ...]] = {}
        order: list[str] = []
        if report is not None:
            for group in report.groups:
                if view.matches(group.function, group.error_type, group.latest.summary):
                    rows[group.key] = self._group_row(group)
                    order.append(group.key)
            for actor in report.dead_actors:
                if view.matches(actor.class_name, actor.name, actor.reason, actor.cause):
                    rows[actor.key] = self._actor_row(actor)
                    order.append(actor.key)
        self.table.sync(rows, order)
        show(self.query_one("#errors-caption", Static), self._caption())
        self._show_preview()

    @on(DataTable.RowHighlighted, "#errors-table")
    def _show_preview(self) -> None:
        item = self.selected_item()
        if isinstance(item, ErrorGroup):
            line = f"{item.function}: {item.latest.summary}"
        elif isinstance(item, DeadActor):
            line = f"{item.class_name} {item.name}: {item.cause}".replace("  ", " ")
        else:
            line = ""
        show(self.query_one("#errors-preview", Static), Text(line))

    def _group_row(self, group: ErrorGroup) -> tuple[object, ...]:
        return (self.table.first_cell(group.function, group.key, "bold"),
                Text(group.error_type, style="red"), str(group.count),
                clock(group.first_ms), clock(group.last_ms), group.latest.summary[:120])

    def _actor_row(self, actor: DeadActor) -> tuple[object, ...]:
        label = f"{actor.class_name} {actor.name}".strip() + " (actor)"
        return (self.table.first_cell(label, actor.key), Text(actor.reason or "DEAD", style="red"),
                "", "", clock(actor.end_time_ms), actor.cause[:120])

    def _caption(self) -> str:
        if self.report is None:
            return f"cannot ask Ray: {self.failure}" if self.failure else \
                "asking Ray for failed tasks and dead actors..."
        report = self.report
        failed = sum(g.count for g in report.groups)
        text = (f"{failed} failed tasks in {len(report.groups)} groups, "
                f"{len(report.dead_actors)} dead actors")
        if report.failed_list.truncated:
            text += f" (state API returned {report.failed_list.returned} of " \
                    f"{report.failed_list.total} failures)"
        problems = [*report.errors, *([self.failure] if self.failure else [])]
        if problems:
            text += f"  ! {problems[0]}"
        if self._view.filter_text:
            text += f"  filter: {self._view.filter_text!r}"
        return text + "  enter: full text"

    # --- the selected row ---------------------------------------------------

    def selected_item(self) -> ErrorGroup | DeadActor | None:
        key = self.table.selected_key
        if key is None or self.report is None:
            return None
        items: list[ErrorGroup | DeadActor] = [*self.report.groups, *self.report.dead_actors]
        return next((item for item in items if item.key == key), None)

    def selected_error_text(self) -> tuple[str, str] | None:
        """The selected row's title and whole error text (the traceback Ray stores)."""
        item = self.selected_item()
        if isinstance(item, ErrorGroup):
            task = item.latest
            return (f"{item.function}: {item.error_type} ({item.count}x, latest task "
                    f"{task.task_id[:16]})", task.message)
        if isinstance(item, DeadActor):
            title = f"actor {item.class_name} {item.name} {item.actor_id[:12]}".replace("  ", " ")
            return f"{title}: {item.cause}", item.detail or item.cause
        return None

    def selected_detail(self) -> Detail | None:
        text = self.selected_error_text()
        return (text[0], Text(text[1])) if text else None

    def selected_target(self) -> Target | None:
        item = self.selected_item()
        if isinstance(item, ErrorGroup):
            task = item.latest
            return Target("task", task.node_id, task.worker_pid, task.actor_id, task.task_id,
                          name=item.function)
        if isinstance(item, DeadActor):
            return Target("actor", item.node_id, item.pid, item.actor_id,
                          name=item.class_name)
        return None

    def tab_label(self, snapshot: Snapshot) -> str:
        if self.report is None:
            return "Errors"
        count = len(self.report.groups) + len(self.report.dead_actors)
        return f"Errors {count}" + ("!" if self.report.groups else "")

    @on(DataTable.RowSelected, "#errors-table")
    def _open_text(self, event: DataTable.RowSelected) -> None:
        event.stop()
        from tui.screens.error_text import ErrorTextScreen

        text = self.selected_error_text()
        if text is not None:
            self.app.push_screen(ErrorTextScreen(*text))
