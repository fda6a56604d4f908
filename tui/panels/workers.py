"""Workers panel: one row per worker process, busiest first, with a CPU sparkline.

On a cluster of several nodes the workers are grouped by node (tui/panels/grouping.py):
a closed node is one summary row (workers, busy, CPU, memory), and only the rows of
open nodes are built, so 16,000 workers cost about as much as 1,000 summary rows.
A worker whose figures are older than the poll interval (a remote node's, from the
dashboard) says how old; figures never reported show `?`, not 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.core.model import Flag, Node, Snapshot, Worker
from tui.panels.cells import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    cpu_bar,
    fields_text,
    fmt_bytes,
    show,
    sparkline,
)
from tui.panels.grouping import (
    FILTER_OPENS_AT_MOST,
    OPEN_WHEN_AT_MOST,
    Expansion,
    GroupedTable,
    group_key,
)
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

SPARK_WIDTH = 12
SPARK_WINDOW_S = 60.0
SORTS = ("cpu", "rss", "pid", "node", "task")
COLUMNS = [("node", "node"), ("pid", "pid"), ("doing", "running now"),
           ("cpu", "CPU of 1 core"), ("spark", "last 60 s"), ("rss", "RSS")]
GPU_COLUMN = ("gpu", "GPU mem/use/alloc")
CPU_BAR_WIDTH = 8
UNKNOWN_CPU = Text("?".rjust(CPU_BAR_WIDTH + 5))  # as wide as a bar: never reported


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


def has_gpus(snapshot: Snapshot) -> bool:
    return any(node.gpus or node.gpus_total > 0 for node in snapshot.nodes)


def gpu_cell(worker: Worker) -> str:
    parts = []
    if worker.gpu_memory_bytes is not None:
        parts.append(fmt_bytes(worker.gpu_memory_bytes))
    if worker.gpu_percent is not None:
        parts.append(f"{worker.gpu_percent:.0f}%")
    if worker.gpus_allocated:
        parts.append(f"x{worker.gpus_allocated:g}")
    return " ".join(parts) or "-"


def age_note(age_s: float, interval_s: float) -> str:
    """' 15s old' when figures are older than the poll interval, else ''."""
    return f" {age_s:.0f}s old" if age_s > max(interval_s, 1.0) else ""


@dataclass
class NodeGroup:
    """One node's workers and what its summary row shows."""

    node_id: str
    workers: list[Worker]  # all of them
    matching: list[Worker]  # those the filter keeps (all without a filter)
    busy: int = 0
    cpu: float | None = None  # sum over workers with known figures
    rss: int = 0
    unknown: int = 0  # workers whose figures were never reported
    oldest_s: float = 0.0  # age of the oldest figures

    @classmethod
    def of(cls, node_id: str, workers: list[Worker], matching: list[Worker]) -> NodeGroup:
        group = cls(node_id, workers, matching)
        cpu = 0.0
        for worker in workers:
            if worker.cpu_source == "none":
                group.unknown += 1
                continue
            cpu += worker.cpu_percent
            group.rss += worker.rss_bytes
            group.busy += is_busy(worker)
            group.oldest_s = max(group.oldest_s, worker.figures_age_s)
        group.cpu = cpu if group.unknown < len(workers) else None
        return group


class WorkersPanel(Vertical):
    DEFAULT_CSS = """
    WorkersPanel #workers-caption { height: 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sort = SORTS[0]
        self.expansion = Expansion()
        # what was drawn last: needed to redraw on resize, sort, open/close and details
        self._last: tuple[Snapshot, ViewState] | None = None
        self._workers: dict[str, Worker] = {}  # the worker rows shown, by row key
        self._open_nodes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="workers-caption")
        yield GroupedTable(COLUMNS, id="workers-table")

    def on_resize(self) -> None:
        if self._last is not None:  # the task-name column follows the width
            self.show(*self._last)

    @property
    def table(self) -> GroupedTable:
        return self.query_one("#workers-table", GroupedTable)

    def cycle_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Workers {len(snapshot.workers)}"

    def nodes_on_screen(self) -> list[str]:
        """The nodes whose worker rows are open (the collector refreshes them first)."""
        return self._open_nodes

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

    def _group_sort_key(self, group: NodeGroup) -> tuple[object, ...]:
        if self.sort == "rss":
            return (-group.rss, group.node_id)
        if self.sort == "task":
            return (-group.busy, group.node_id)
        if self.sort == "cpu":
            return (-round(group.cpu or 0.0), group.node_id)
        return (group.node_id,)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self._last = (snapshot, view)
        table = self.table
        gpus = has_gpus(snapshot)
        table.set_columns([*COLUMNS, GPU_COLUMN] if gpus else COLUMNS)
        filtering = bool(view.filter_text.strip())
        by_node: dict[str, list[Worker]] = {}
        for worker in snapshot.workers:
            by_node.setdefault(worker.node_id, []).append(worker)
        groups = []
        for node_id, workers in by_node.items():
            matching = [w for w in workers if view.matches(
                w.pid, w.node_id, doing(w), w.title, w.worker_type)] if filtering else workers
            if matching:
                groups.append(NodeGroup.of(node_id, workers, matching))
        grouped = len(by_node) > 1
        self.expansion.forget_all_but(by_node)
        nodes = {node.node_id: node for node in snapshot.nodes}
        # the other columns take about 56 cells: a wide terminal shows more of the task name
        limit = max(24, min(60, self.size.width - 56))
        small = len(snapshot.workers) <= OPEN_WHEN_AT_MOST
        budget = FILTER_OPENS_AT_MOST
        rows: dict[str, Sequence[object]] = {}
        order: list[str] = []
        table.group_of = {}
        self._workers = {}
        self._open_nodes = []
        for group in sorted(groups, key=self._group_sort_key):
            is_open = True
            if grouped:
                default = small or (filtering and len(group.matching) <= budget)
                is_open = self.expansion.is_open(group.node_id, default)
                key = group_key(group.node_id)
                rows[key] = self._group_row(group, nodes.get(group.node_id), is_open,
                                            filtering, view, gpus)
                order.append(key)
            if not is_open:
                continue
            self._open_nodes.append(group.node_id)
            if filtering:
                budget -= len(group.matching)
            for worker in sorted(group.matching, key=self._sort_key):
                key = worker_key(worker)
                rows[key] = self._worker_row(worker, view, limit, gpus)
                order.append(key)
                table.group_of[key] = group.node_id
                self._workers[key] = worker
        table.sync(rows, order)
        self._show_caption(snapshot, view, len(by_node) if grouped else 0,
                           sum(len(g.matching) for g in groups))

    def _worker_row(self, worker: Worker, view: ViewState, limit: int,
                    gpus: bool) -> tuple[object, ...]:
        key = worker_key(worker)
        pid_severity = view.severity_of_worker(worker.key)
        node_severity = view.severity_of_node(worker.node_id)
        pid_cell = Text(f"{SEVERITY_MARK[pid_severity]:>2}" if pid_severity else "  ",
                        style=SEVERITY_STYLE[pid_severity] if pid_severity else "")
        pid_cell.append(str(worker.pid).rjust(7),
                        style="reverse " + SEVERITY_STYLE[pid_severity] if pid_severity
                        else "")
        known = worker.cpu_source != "none"
        cpu = cpu_bar(worker.cpu_percent, CPU_BAR_WIDTH) if known else UNKNOWN_CPU
        age = age_note(worker.figures_age_s, view.interval_s) if known else ""
        if age:
            cpu = cpu.copy()
            cpu.append(age, style="dim")
        cells: tuple[object, ...] = (
            self.table.first_cell(worker.node_id[:6], key, SEVERITY_STYLE[node_severity]
                                  if node_severity else ""),
            pid_cell,
            doing(worker)[:limit],
            cpu,
            sparkline(window(view.worker_cpu_history(worker.key), view.interval_s),
                      SPARK_WIDTH),
            fmt_bytes(worker.rss_bytes) if known else "?",
        )
        return (*cells, gpu_cell(worker)) if gpus else cells

    def _group_row(self, group: NodeGroup, node: Node | None, is_open: bool,
                   filtering: bool, view: ViewState, gpus: bool) -> tuple[object, ...]:
        severity = view.severity_of_node(group.node_id)
        mark = "▾" if is_open else "▸"
        count = (f"{len(group.matching)} of {len(group.workers)} workers match" if filtering
                 else f"{len(group.workers)} workers")
        summary = Text(f"{count}, {group.busy} busy", style="bold")
        if node is not None and (node.hostname or node.ip):
            summary.append(f"  {node.hostname or node.ip}", style="dim")
        if group.unknown:
            summary.append(f"  {group.unknown} not reported yet", style="dim")
        age = age_note(group.oldest_s, view.interval_s)
        if age:
            summary.append(f" {age.strip()}", style="dim")
        cpu = cpu_bar(group.cpu, CPU_BAR_WIDTH) if group.cpu is not None else UNKNOWN_CPU
        history = view.node_cpu_history(group.node_id)
        cells: tuple[object, ...] = (
            self.table.first_cell(f"{mark} {group.node_id[:6]}", group_key(group.node_id),
                                  "bold " + (SEVERITY_STYLE[severity] if severity else "")),
            "",
            summary,
            cpu,
            sparkline(window(history, view.interval_s), SPARK_WIDTH),
            fmt_bytes(group.rss),
        )
        if not gpus:
            return cells
        gpu = "-"
        if node is not None and (node.gpus_total or node.gpus):
            gpu = f"{node.gpus_used:g}/{node.gpus_total:g} GPUs"
        return (*cells, gpu)

    def _show_caption(self, snapshot: Snapshot, view: ViewState, node_count: int,
                      matching: int) -> None:
        busy = sum(1 for w in snapshot.workers if is_busy(w))
        info = snapshot.workers_list
        shown = f"{matching} of {len(snapshot.workers)}" if view.filter_text else \
            str(len(snapshot.workers))
        truncated = f" (state API returned {info.returned} of {info.total})" \
            if info.truncated else ""
        nodes = (f" on {node_count} nodes ({len(self._open_nodes)} open: enter or →/←)"
                 if node_count else "")
        filtered = f"  filter: {view.filter_text!r}" if view.filter_text else ""
        show(self.query_one("#workers-caption", Static),
             f"{shown} workers, {busy} busy{truncated}{nodes}  sort: {self.sort}{filtered}")

    # --- open and close -------------------------------------------------------

    @on(DataTable.RowSelected, "#workers-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if self.table.toggle_selected():
            event.stop()  # a node row opens or closes; a worker row goes on to details

    @on(GroupedTable.Toggle)
    def _toggle(self, message: GroupedTable.Toggle) -> None:
        message.stop()
        if self._last is None:
            return
        is_open = message.is_open
        if is_open is None:
            is_open = message.group_id not in self._open_nodes
        self.expansion.set(message.group_id, is_open)
        self.show(*self._last)
        if not is_open:
            self.table.move_to_key(group_key(message.group_id))

    # --- details --------------------------------------------------------------

    def selected_detail(self) -> Detail | None:
        key = self.table.selected_key
        worker = self._workers.get(key) if key is not None else None
        if worker is None or self._last is None:
            return None
        snapshot, view = self._last
        return worker_detail(worker, view.worker_cpu_history(worker.key), snapshot.flags)


def worker_detail(worker: Worker, cpu_history: list[float],
                  flags: tuple[Flag, ...]) -> Detail:
    about = [f for f in flags if f.names_worker(worker.key) or f.names_node(worker.node_id)]
    known = worker.cpu_source != "none"
    pairs: list[tuple[str, object]] = [
        ("pid", worker.pid), ("node", worker.node_id), ("worker id", worker.worker_id),
        ("type", worker.worker_type), ("title", worker.title),
        ("running now", doing(worker)),
        ("task id", worker.running_task.task_id if worker.running_task else None),
        ("actor", worker.actor_id),
        ("CPU %", f"{worker.cpu_percent:.1f}" if known else "? (not reported yet)"),
        ("CPU from", worker.cpu_source), ("RSS", fmt_bytes(worker.rss_bytes) if known else "?"),
        ("CPU history", sparkline(cpu_history, min(60, max(1, len(cpu_history))))),
    ]
    if worker.figures_age_s:
        pairs.append(("figures age", f"{worker.figures_age_s:.0f} s"))
    if worker.gpu_memory_bytes is not None or worker.gpus_allocated:
        pairs.append(("GPU", gpu_cell(worker)))
    pairs += [(f"flag {f.kind}", f.message) for f in about]
    return f"Worker {worker.pid}", fields_text(pairs)
