"""Workers panel: one row per worker process, busiest first, with a CPU sparkline."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.core.model import Flag, Snapshot, Worker
from tui.panels.cells import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    cpu_bar,
    fields_text,
    fmt_bytes,
    show,
    sparkline,
)
from tui.panels.keyed_table import KeyedTable
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

SPARK_WIDTH = 12
SPARK_WINDOW_S = 60.0
SORTS = ("cpu", "rss", "pid", "node", "task")


def worker_key(worker: Worker) -> str:
    return f"{worker.node_id}:{worker.pid}"


def doing(worker: Worker) -> str:
    """What the worker runs now: a task, an actor method, or idle."""
    if worker.running_task is not None:
        return worker.running_task.name
    title = worker.title.removeprefix("ray::")
    if worker.worker_type == "DRIVER":
        return f"driver {title.split()[-1]}" if title else "driver"
    return "idle" if not title or title == "IDLE" else title


BUSY_CPU_PERCENT = 50.0


def is_busy(worker: Worker) -> bool:
    """Running a task, or burning CPU (the state API reports running tasks seconds late)."""
    if worker.worker_type == "DRIVER":
        return False
    return worker.running_task is not None or worker.cpu_percent >= BUSY_CPU_PERCENT


def window(values: list[float], interval_s: float) -> list[float]:
    """The last 60 s of samples squeezed into SPARK_WIDTH columns (max of each bucket)."""
    recent = values[-max(1, math.ceil(SPARK_WINDOW_S / max(interval_s, 0.1))):]
    if len(recent) <= SPARK_WIDTH:
        return recent
    size = len(recent) / SPARK_WIDTH
    return [max(recent[int(i * size):max(int((i + 1) * size), int(i * size) + 1)])
            for i in range(SPARK_WIDTH)]


class WorkersPanel(Vertical):
    DEFAULT_CSS = """
    WorkersPanel #workers-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sort = SORTS[0]
        self._last: tuple[Snapshot, ViewState] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="workers-caption")
        yield KeyedTable(
            [("node", "node"), ("pid", "pid"), ("doing", "running now"),
             ("cpu", "CPU of 1 core"), ("spark", "last 60 s"), ("rss", "RSS")],
            id="workers-table",
        )

    def on_resize(self) -> None:
        if self._last is not None:  # the task-name column follows the width
            self.show(*self._last)

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#workers-table", KeyedTable)

    def cycle_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        if self._last is not None:
            self.show(*self._last)
        return self.sort

    def _sort_key(self, worker: Worker) -> tuple[object, ...]:
        if self.sort == "rss":
            return (-worker.rss_bytes, worker.pid)
        if self.sort == "pid":
            return (worker.pid,)
        if self.sort == "node":
            return (worker.node_id, -round(worker.cpu_percent), worker.pid)
        if self.sort == "task":
            return (doing(worker) == "idle", doing(worker), worker.pid)
        return (-round(worker.cpu_percent), worker.pid)  # as shown: idle rows do not shuffle

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self._last = (snapshot, view)
        workers = [w for w in snapshot.workers
                   if view.matches(w.pid, w.node_id, doing(w), w.title, w.worker_type)]
        table = self.table
        rows = {}
        # the other columns take about 56 cells: a wide terminal shows more of the task name
        limit = max(24, min(60, self.size.width - 56))
        for worker in workers:
            key = worker_key(worker)
            pid_severity = view.severity_of_worker(worker.key)
            node_severity = view.severity_of_node(worker.node_id)
            pid_cell = Text(f"{SEVERITY_MARK[pid_severity]:>2}" if pid_severity else "  ",
                            style=SEVERITY_STYLE[pid_severity] if pid_severity else "")
            pid_cell.append(str(worker.pid).rjust(7),
                            style="reverse " + SEVERITY_STYLE[pid_severity] if pid_severity
                            else "")
            rows[key] = (
                table.first_cell(worker.node_id[:6], key, SEVERITY_STYLE[node_severity]
                                      if node_severity else ""),
                pid_cell,
                doing(worker)[:limit],
                cpu_bar(worker.cpu_percent if worker.cpu_source != "none" else None, 8),
                sparkline(window(view.worker_cpu_history(worker.key), view.interval_s),
                          SPARK_WIDTH),
                fmt_bytes(worker.rss_bytes),
            )
        order = [worker_key(w) for w in sorted(workers, key=self._sort_key)]
        table.sync(rows, order)
        busy = sum(1 for w in snapshot.workers if is_busy(w))
        info = snapshot.workers_list
        shown = f"{len(workers)} of {len(snapshot.workers)}" if view.filter_text else \
            str(len(snapshot.workers))
        truncated = f" (state API returned {info.returned} of {info.total})" \
            if info.truncated else ""
        filtered = f"  filter: {view.filter_text!r}" if view.filter_text else ""
        show(self.query_one("#workers-caption", Static),
            f"{shown} workers, {busy} busy{truncated}  sort: {self.sort}{filtered}")

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Workers {len(snapshot.workers)}"

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        if self._last is None or key is None:
            return None
        snapshot, view = self._last
        worker = next((w for w in snapshot.workers if worker_key(w) == key), None)
        if worker is None:
            return None
        return worker_detail(worker, view.worker_cpu_history(worker.key), snapshot.flags)


def worker_detail(worker: Worker, cpu_history: list[float],
                  flags: tuple[Flag, ...]) -> Detail:
    about = [f for f in flags if f.names_worker(worker.key) or f.names_node(worker.node_id)]
    pairs: list[tuple[str, object]] = [
        ("pid", worker.pid), ("node", worker.node_id), ("worker id", worker.worker_id),
        ("type", worker.worker_type), ("title", worker.title),
        ("running now", doing(worker)),
        ("task id", worker.running_task.task_id if worker.running_task else None),
        ("actor", worker.actor_id), ("CPU %", f"{worker.cpu_percent:.1f}"),
        ("CPU from", worker.cpu_source), ("RSS", fmt_bytes(worker.rss_bytes)),
        ("CPU history", sparkline(cpu_history, min(60, max(1, len(cpu_history))))),
    ]
    pairs += [(f"flag {f.kind}", f.message) for f in about]
    return f"Worker {worker.pid}", fields_text(pairs)
