"""Tasks panel: counts by function and state, the running tasks and the failed ones."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.core.kinds import STATE_GROUPS, state_group
from tui.core.model import Snapshot, Task
from tui.panels.cells import fields_text, progress_bar, show
from tui.panels.keyed_table import KeyedTable
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

COUNTS_AGE_SHOWN_S = 5.0
RATE_WINDOW_S = 10.0
PROGRESS_WIDTH = 16
STATES = STATE_GROUPS  # the columns; others go to "other"
column_of = state_group


def finishing_rates(snapshots: list[Snapshot]) -> dict[str, float]:
    """Tasks finished per second by function over these snapshots (oldest first); by
    the summaries' counts, so only functions whose count moved or stayed are known."""
    if len(snapshots) < 2 or snapshots[-1].time <= snapshots[0].time:
        return {}
    first, last = snapshots[0], snapshots[-1]
    before = {g.name: g.by_state.get("FINISHED", 0) for g in first.tasks.by_function}
    seconds = last.time - first.time
    return {g.name: max(0, g.by_state.get("FINISHED", 0) - before.get(g.name, 0)) / seconds
            for g in last.tasks.by_function}


class TasksPanel(Vertical):
    DEFAULT_CSS = """
    TasksPanel .caption { height: 1; color: $text-muted; }
    TasksPanel #tasks-by-function { height: 2fr; }
    TasksPanel #tasks-list { height: 3fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._tasks: dict[str, Task] = {}  # the listed tasks by row key, for details

    def compose(self) -> ComposeResult:
        yield Static("", id="tasks-caption", classes="caption")
        yield KeyedTable(
            [("function", "function"), ("progress", "progress"), ("rate", "finished/s"),
             ("PENDING", "pending"), ("RUNNING", "running"),
             ("FINISHED", "finished"), ("FAILED", "failed"), ("other", "other"),
             ("total", "total")],
            id="tasks-by-function",
        )
        yield Static("running and failed tasks", id="tasks-list-caption", classes="caption")
        yield KeyedTable(
            [("id", "task"), ("name", "name"), ("state", "state"), ("pid", "worker pid"),
             ("node", "node"), ("error", "error")],
            id="tasks-list",
        )

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        summary = snapshot.tasks
        groups = [g for g in summary.by_function if view.matches(g.name)]
        by_function = self.query_one("#tasks-by-function", KeyedTable)
        rates = finishing_rates(view.recent(RATE_WINDOW_S))
        rows = {}
        for group in groups:
            counts = dict.fromkeys((*STATES, "other"), 0)
            for state, count in group.by_state.items():
                counts[column_of(state)] += count
            rate = rates.get(group.name)
            rows[group.name] = (
                by_function.first_cell(group.name, group.name),
                progress_bar(counts, PROGRESS_WIDTH),
                "-" if rate is None else f"{rate:.1f}",
                *(Text(str(counts[s]), style="bold red" if s == "FAILED" and counts[s] else "")
                  for s in (*STATES, "other")),
                str(group.total),
            )
        order = [g.name for g in sorted(groups, key=lambda g: (-g.total, g.name))]
        by_function.sync(rows, order)

        listing = self.query_one("#tasks-list", KeyedTable)
        tasks = [t for t in (*summary.running, *summary.failed)
                 if view.matches(t.name, t.state, t.worker_pid, t.error_type, t.error_message)]
        task_rows = {}
        for task in tasks:
            failed = task.state == "FAILED"
            error = f"{task.error_type or ''}: {task.error_message or ''}" if failed else ""
            task_rows[task.task_id] = (
                listing.first_cell(task.task_id[:12], task.task_id),
                task.name,
                Text(task.state, style="bold red" if failed else "green"),
                str(task.worker_pid) if task.worker_pid else "-",
                (task.node_id or "-")[:8],
                error.splitlines()[0][:80] if error else "",
            )
        order = [t.task_id for t in sorted(tasks, key=lambda t: (t.state != "RUNNING",
                                                                 t.name, t.task_id))]
        listing.sync(task_rows, order)
        self._tasks = {t.task_id: t for t in tasks}
        states = "  ".join(f"{state.lower()} {count}"
                           for state, count in sorted(summary.by_state.items()))
        # Ray's summary of a big cluster takes seconds, so it is asked less often: say so
        age = summary.counts_age_s
        as_of = f"  (counted {age:.0f} s ago)" if age >= COUNTS_AGE_SHOWN_S else ""
        show(self.query_one("#tasks-caption", Static), f"tasks: {states or 'none yet'}{as_of}")
        show(self.query_one("#tasks-list-caption", Static),
            f"running {len(summary.running)}{self._more(summary.running_list.total, len(summary.running))}"
            f", failed {len(summary.failed)}{self._more(summary.failed_list.total, len(summary.failed))}")

    @staticmethod
    def _more(total: int, shown: int) -> str:
        return f" (of {total})" if total > shown else ""

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Tasks {len(snapshot.tasks.running)}"

    def selected_detail(self) -> Detail | None:
        key = self.query_one("#tasks-list", KeyedTable).selected_key
        task = self._tasks.get(key) if key is not None else None
        return task_detail(task) if task is not None else None


def task_detail(task: Task) -> Detail:
    return f"Task {task.name}", fields_text([
        ("task id", task.task_id), ("name", task.name), ("state", task.state),
        ("worker pid", task.worker_pid), ("node", task.node_id),
        ("actor", task.actor_id), ("error type", task.error_type),
        ("error", task.error_message)])
