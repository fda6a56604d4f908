"""Nodes panel: one row per node: state, CPU, memory, object store, GPUs, workers.

The GPU column shows only when some node has GPUs (logical or measured). A DEAD node stays listed, dimmed, with when it died. `enter` on a node posts
`NodesPanel.WorkersOfNode`: the app filters the Workers tab to that node.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.core.model import Node, Snapshot, Worker
from tui.panels.cells import SEVERITY_MARK, SEVERITY_STYLE, cpu_bar, fmt_bytes, show, sparkline
from tui.panels.keyed_table import KeyedTable
from tui.panels.view import ViewState
from tui.panels.workers import is_busy, window

SPARK_WIDTH = 10
# GPUs come right after the CPUs: at 80 columns they are what a GPU cluster's user looks at
HEAD_COLUMNS = [("node", "node"), ("state", "state"), ("cpus", "CPUs"),
                ("measured", "CPU measured")]
GPU_COLUMN = ("gpus", "GPUs held busy mem")
TAIL_COLUMNS = [("memory", "memory"), ("store", "object store"), ("workers", "workers busy"),
                ("spark", "CPU 60 s")]


def has_gpus(snapshot: Snapshot) -> bool:
    return any(n.gpus_total > 0 or n.gpus for n in snapshot.nodes)


def node_name(node: Node) -> str:
    return node.ip or node.hostname or node.node_id[:8]


def clock(epoch: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch)) if epoch else ""


def state_text(node: Node) -> Text:
    if node.state == "ALIVE":
        return Text("ALIVE", style="green")
    since = clock(node.state_since)
    return Text(f"{node.state} {since}".strip(), style="red")


def cpus_text(node: Node) -> str:
    return f"{node.cpus_used:g}/{node.cpus_total:g}"


def used_of(used: int, total: int) -> str:
    """`6.0/16.0G`: the unit once when both figures have the same one."""
    used_text, total_text = fmt_bytes(used), fmt_bytes(total)
    if used_text[-1] == total_text[-1]:
        used_text = used_text[:-1]
    return f"{used_text}/{total_text}"


def memory_text(node: Node) -> Text:
    """Measured: unknown ("-") until reported, and once the node is dead."""
    if not node.figures_known or not node.memory_total_bytes or node.state != "ALIVE":
        return Text("-")
    percent = 100 * node.memory_used_bytes / node.memory_total_bytes
    style = "bold red" if percent >= 90 else "yellow" if percent >= 75 else ""
    return Text(used_of(node.memory_used_bytes, node.memory_total_bytes), style=style)


def store_text(node: Node) -> str:
    text = used_of(node.object_store_used_bytes, node.object_store_total_bytes)
    if node.object_store_spilled_bytes > 0:
        text += f" +{fmt_bytes(node.object_store_spilled_bytes)} spilled"
    return text


def gpu_text(node: Node) -> str:
    """Logical held/total, then the devices: mean utilisation and memory used/total."""
    if not node.gpus_total and not node.gpus:
        return "-"
    held = f"{node.gpus_used:g}/{node.gpus_total:g}"
    if not node.gpus:
        return held  # logical GPUs only: Ray reports no device here
    devices = f" {len(node.gpus)}x" if len(node.gpus) != node.gpus_total else ""
    known = [g.utilization_percent for g in node.gpus if g.utilization_percent is not None]
    busy = f"{sum(known) / len(known):.0f}%" if known else "-"
    used = sum(g.memory_used_bytes for g in node.gpus)
    total = sum(g.memory_total_bytes for g in node.gpus)
    return f"{held}{devices} {busy} {used_of(used, total)}"


def workers_text(workers: list[Worker]) -> str:
    return f"{len(workers)}/{sum(1 for w in workers if is_busy(w))}"


def node_order(node: Node) -> tuple[object, ...]:
    """Head first, then the live nodes by address, the dead ones last."""
    return (node.state != "ALIVE", not node.is_head, node_name(node), node.node_id)


class NodesPanel(Vertical):
    DEFAULT_CSS = """
    NodesPanel #nodes-caption { height: 1; color: $text-muted; }
    """

    class WorkersOfNode(Message):
        """The user chose a node: show its workers."""

        def __init__(self, node_id: str) -> None:
            super().__init__()
            self.node_id = node_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._last: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="nodes-caption")
        yield KeyedTable([*HEAD_COLUMNS, *TAIL_COLUMNS], id="nodes-table")

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#nodes-table", KeyedTable)

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        self._last = snapshot
        gpus = has_gpus(snapshot)
        self.table.set_columns([*HEAD_COLUMNS, GPU_COLUMN, *TAIL_COLUMNS] if gpus
                               else [*HEAD_COLUMNS, *TAIL_COLUMNS])
        workers: dict[str, list[Worker]] = {}
        for worker in snapshot.workers:
            if worker.worker_type != "DRIVER":
                workers.setdefault(worker.node_id, []).append(worker)
        nodes = [n for n in snapshot.nodes
                 if view.matches(n.node_id, n.ip, n.hostname, n.state, "head" if n.is_head else "")]
        table = self.table
        rows = {n.node_id: self._row(table, n, workers.get(n.node_id, []), view, gpus)
                for n in nodes}
        table.sync(rows, [n.node_id for n in sorted(nodes, key=node_order)])
        dead = sum(1 for n in snapshot.nodes if n.state != "ALIVE")
        parts = [f"{len(snapshot.nodes)} nodes" + (f", {dead} dead" if dead else "")]
        if gpus:
            parts.append(f"GPUs {sum(n.gpus_used for n in snapshot.nodes if n.state == 'ALIVE'):g}"
                         f"/{sum(n.gpus_total for n in snapshot.nodes if n.state == 'ALIVE'):g}"
                         " held")
        parts.append("enter: its workers")
        if view.filter_text:
            parts.append(f"filter: {view.filter_text!r}")
        show(self.query_one("#nodes-caption", Static), "  ".join(parts))

    def tab_label(self, snapshot: Snapshot) -> str:
        alive = sum(1 for n in snapshot.nodes if n.state == "ALIVE")
        return f"Nodes {alive}/{len(snapshot.nodes)}" if alive < len(snapshot.nodes) \
            else f"Nodes {alive}"

    def _row(self, table: KeyedTable, node: Node, workers: list[Worker], view: ViewState,
             gpus: bool) -> tuple[object, ...]:
        alive = node.state == "ALIVE"
        severity = view.severity_of_node(node.node_id) if alive else None
        name = f"{node_name(node)}{' head' if node.is_head else ''}"
        if severity:
            name = f"{SEVERITY_MARK[severity]} {name}"
        first = table.first_cell(name, node.node_id,
                                 SEVERITY_STYLE[severity] if severity else "" if alive else "dim")
        measured = cpu_bar(node.cpu_percent if node.figures_known and alive else None, 5)
        spark = sparkline(window(view.node_cpu_history(node.node_id), view.interval_s),
                          SPARK_WIDTH) if alive else ""
        cells: list[object] = [first, state_text(node), cpus_text(node), measured]
        if gpus:
            cells.append(gpu_text(node))
        cells += [memory_text(node), store_text(node), workers_text(workers), spark]
        if alive:
            return tuple(cells)
        # a dead node's last figures are history: dimmed
        return (first, *(_dim(cell) for cell in cells[1:]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.WorkersOfNode(str(event.row_key.value)))

    def selected_node(self) -> Node | None:
        key = self.table.selected_key
        if self._last is None or key is None:
            return None
        return next((n for n in self._last.nodes if n.node_id == key), None)

    def selected_detail(self) -> tuple[str, Text] | None:
        node = self.selected_node()
        return node_detail(node) if node is not None else None


def _dim(cell: object) -> Text:
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.style = f"{text.style} dim".strip()
    return text


def node_detail(node: Node) -> tuple[str, Text]:
    """Every figure of one node, and each GPU device."""
    pairs: list[tuple[str, str]] = [
        ("node id", node.node_id), ("address", node.ip), ("hostname", node.hostname),
        ("head", "yes" if node.is_head else "no"),
        ("state", f"{node.state}" + (f" since {clock(node.state_since)}"
                                     if node.state_since else "")),
        ("CPUs held", cpus_text(node)),
        ("CPU measured", f"{node.cpu_percent:.0f}%" if node.figures_known else "not reported yet"),
        ("memory", memory_text(node).plain + (
            f" ({100 * node.memory_used_bytes / node.memory_total_bytes:.0f}%)"
            if node.memory_total_bytes and memory_text(node).plain != "-" else "")),
        ("object store", store_text(node)),
        ("GPUs held", f"{node.gpus_used:g}/{node.gpus_total:g}"),
    ]
    for gpu in node.gpus:
        busy = "-" if gpu.utilization_percent is None else f"{gpu.utilization_percent:.0f}%"
        pairs.append((f"GPU {gpu.index}", f"{gpu.name} {busy} busy, memory "
                      f"{fmt_bytes(gpu.memory_used_bytes)}/{fmt_bytes(gpu.memory_total_bytes)}"))
    width = max(len(name) for name, _ in pairs)
    body = Text()
    for index, (name, value) in enumerate(pairs):
        body.append(("\n" if index else "") + name.ljust(width + 2), style="bold")
        body.append(value or "-")
    return f"Node {node_name(node)}", body
