"""Workers panel: one row per worker process, busiest first, with a CPU sparkline.

On a cluster of several nodes the workers are grouped by node (tui/panels/grouping.py):
a closed node is one summary row (workers, busy, CPU, memory), and only the rows of
open nodes are built, so 16,000 workers cost about as much as 1,000 summary rows.
A worker whose figures are older than the poll interval (a remote node's, from the
dashboard) says how old; figures never reported show `?`, not 0.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from operator import attrgetter

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.core.model import Flag, Node, Snapshot, Worker, figures_age, given_figures_age
from tui.panels.cells import (
    SEVERITY_MARK,
    SEVERITY_STYLE,
    cpu_bar,
    fields_text,
    fmt_bytes,
    show,
    sparkline,
)
from tui.panels.grouping import GroupedPanel, GroupedTable, by_key, group_key
from tui.panels.protocol import Detail
from tui.panels.view import ViewState

SPARK_WIDTH = 12
SPARK_WINDOW_S = 60.0
SORTS = ("cpu", "rss", "pid", "node", "task", "uss")
COLUMNS = [("node", "node"), ("pid", "pid"), ("doing", "running now"),
           ("cpu", "CPU of 1 core"), ("spark", "last 60 s"), ("rss", "RSS"),
           ("uss", "USS")]  # USS: memory only this process holds (its cost if killed)
GPU_COLUMN = ("gpu", "GPU mem/use/alloc")
CPU_BAR_WIDTH = 8
NAME_AT_LEAST = 21  # cells of "running now": the tutorial's fibonacci_distributed whole (at 80
# columns the USS column then starts off screen, a scroll away)
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
    uss: int | None = None  # sum over workers whose USS is reported (None: none is)
    unknown: int = 0  # workers whose figures were never reported
    oldest_s: float = 0.0  # age of the oldest figures

    @property
    def group_id(self) -> str:
        return self.node_id

    @classmethod
    def of(cls, node_id: str, workers: list[Worker], matching: list[Worker]) -> NodeGroup:
        # runs for every worker at every poll: locals, and is_busy inlined
        busy = unknown = rss = uss = reported_uss = 0
        cpu = oldest = 0.0
        earliest_at = math.inf  # the oldest dashboard figures' time (see figures_age)
        for worker in workers:
            if worker.uss_bytes is not None:
                uss += worker.uss_bytes
                reported_uss += 1
            if worker.worker_type != "DRIVER" and (
                    worker.running_task is not None or worker.cpu_percent >= BUSY_CPU_PERCENT):
                busy += 1
            if worker.cpu_source == "none":
                unknown += 1
                continue
            cpu += worker.cpu_percent
            rss += worker.rss_bytes
            figures_at = worker.figures_at
            if figures_at is not None:
                if figures_at < earliest_at:
                    earliest_at = figures_at
            elif given_figures_age(worker) > oldest:  # an age given, not a time (psutil: 0)
                oldest = given_figures_age(worker)
        if earliest_at < math.inf:
            oldest = max(oldest, figures_age(earliest_at, time.time()))
        return cls(node_id, workers, matching, busy, cpu if unknown < len(workers) else None,
                   rss, uss if reported_uss else None, unknown, oldest)


class WorkersPanel(GroupedPanel):
    DEFAULT_CSS = """
    WorkersPanel #workers-caption { height: 1; color: $text-muted; }
    """
    TABLE_ID = "workers-table"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sort = SORTS[0]
        self._workers: dict[str, Worker] = {}  # the worker rows shown, by row key

    def compose(self) -> ComposeResult:
        yield Static("", id="workers-caption")
        yield GroupedTable(COLUMNS, id="workers-table")

    def on_resize(self) -> None:
        if self._last is not None:  # the task-name column follows the width
            self.show(*self._last)

    def cycle_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def tab_label(self, snapshot: Snapshot) -> str:
        return f"Workers {len(snapshot.workers)}"

    def nodes_on_screen(self) -> list[str]:
        """The selected row's node, then the open nodes (the collector refreshes those
        first)."""
        selected = self.table.selected_group()
        rest = [n for n in self.open_groups if n != selected]
        return [selected, *rest] if selected is not None else rest

    def _sort_key(self, worker: Worker) -> tuple[object, ...]:
        if self.sort == "rss":
            return (-worker.rss_bytes, worker.pid)
        if self.sort == "uss":  # unknown last
            return (worker.uss_bytes is None, -(worker.uss_bytes or 0), worker.pid)
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
        if self.sort == "uss":
            return (group.uss is None, -(group.uss or 0), group.node_id)
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
        by_node = by_key(snapshot.workers, attrgetter("node_id"))
        groups = []
        for node_id, workers in by_node.items():
            matching = [w for w in workers if view.matches(
                w.pid, w.node_id, doing(w), w.title, w.worker_type)] if filtering else workers
            groups.append(NodeGroup.of(node_id, workers, matching))
        layout = self.lay_out(groups, rows=len(snapshot.workers), filtering=filtering,
                              group_sort=self._group_sort_key, member_sort=self._sort_key,
                              member_key=worker_key)
        self._workers = layout.members
        nodes = {node.node_id: node for node in snapshot.nodes}
        # the other columns take about 63 cells: a wide terminal shows more of the task name
        limit = max(NAME_AT_LEAST, min(60, self.size.width - 63))
        self.draw(layout,
                  lambda group, is_open: self._group_row(
                      group, nodes.get(group.node_id), is_open, filtering, view, gpus),
                  lambda worker: self._worker_row(worker, view, limit, gpus))
        grouped = len(by_node) > 1
        self._show_caption(snapshot, view, len(by_node) if grouped else 0,
                           sum(g.busy for g in groups),
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
            fmt_bytes(worker.uss_bytes),  # "-" where not reported
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
            fmt_bytes(group.uss),
        )
        if not gpus:
            return cells
        gpu = "-"
        if node is not None and (node.gpus_total or node.gpus):
            gpu = f"{node.gpus_used:g}/{node.gpus_total:g} GPUs"
        return (*cells, gpu)

    def _show_caption(self, snapshot: Snapshot, view: ViewState, node_count: int,
                      busy: int, matching: int) -> None:
        info = snapshot.workers_list
        shown = f"{matching} of {len(snapshot.workers)}" if view.filter_text else \
            str(len(snapshot.workers))
        truncated = f" (state API returned {info.returned} of {info.total})" \
            if info.truncated else ""
        nodes = (f" on {node_count} nodes ({len(self.open_groups)} open: enter or →/←)"
                 if node_count else "")
        filtered = f"  filter: {view.filter_text!r}" if view.filter_text else ""
        show(self.query_one("#workers-caption", Static),
             f"{shown} workers, {busy} busy{truncated}{nodes}  sort: {self.sort}{filtered}")

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
        ("USS", fmt_bytes(worker.uss_bytes)),
        ("CPU history", sparkline(cpu_history, min(60, max(1, len(cpu_history))))),
    ]
    if worker.figures_age_s:
        pairs.append(("figures age", f"{worker.figures_age_s:.0f} s"))
    if worker.gpu_memory_bytes is not None or worker.gpus_allocated:
        pairs.append(("GPU", gpu_cell(worker)))
    pairs += [(f"flag {f.kind}", f.message) for f in about]
    return f"Worker {worker.pid}", fields_text(pairs)
