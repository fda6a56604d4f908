"""The Nodes panel mounted in a small app: rows, GPU column, dead nodes, enter."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.pilot import Pilot

from tui.core.model import ClusterSummary, Gpu, Node, Snapshot, Status, TaskRef, Worker
from tui.panels.keyed_table import KeyedTable
from tui.panels.nodes import NodesPanel
from tui.panels.view import ViewState

GiB = 1024**3
T0 = 1_700_000_000.0
HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
GPU_NODE = "f00dcafe00112233445566778899aabb"
GONE = "deadbeef00112233445566778899aabb"


def a10g(index: int, busy: float, used_gib: float) -> Gpu:
    return Gpu(index=index, name="NVIDIA A10G", uuid=f"GPU-{index}", utilization_percent=busy,
               memory_used_bytes=int(used_gib * GiB), memory_total_bytes=24 * GiB)


def cluster(*, gpus: bool = True, gpu_busy: float = 3.0, dead: bool = True,
            at: float = T0) -> Snapshot:
    """A head without GPUs, a GPU node (2 devices, both held), a node that died."""
    head = Node(HEAD, "10.0.0.1", "head-host", True, "ALIVE", 4.0, 2.0, 61.0, 6 * GiB,
                16 * GiB, 512 * 1024**2, 4 * GiB, object_store_spilled_bytes=0)
    gpu_node = Node(GPU_NODE, "10.0.0.2", "gpu-host", False, "ALIVE", 8.0, 2.0, 23.0,
                    30 * GiB, 64 * GiB, 2 * GiB, 8 * GiB, object_store_spilled_bytes=3 * GiB,
                    gpus_total=2.0 if gpus else 0.0, gpus_used=2.0 if gpus else 0.0,
                    gpus=(a10g(0, gpu_busy, 20.5), a10g(1, gpu_busy + 2, 18.0)) if gpus else ())
    gone = Node(GONE, "10.0.0.3", "old-host", False, "DEAD", 8.0, 0.0, 99.0, 50 * GiB,
                64 * GiB, 0, 8 * GiB, state_since=T0 - 300)
    workers = (
        Worker(101, HEAD, cpu_percent=98.0, cpu_source="psutil",
               running_task=TaskRef("t1", "fibonacci_distributed")),
        Worker(102, HEAD, cpu_percent=1.0, cpu_source="psutil", title="ray::IDLE"),
        Worker(99, HEAD, worker_type="DRIVER", cpu_percent=10.0, cpu_source="psutil"),
        Worker(201, GPU_NODE, cpu_percent=40.0, cpu_source="dashboard",
               running_task=TaskRef("t2", "train_step"), gpus_allocated=1.0),
        Worker(202, GPU_NODE, cpu_percent=35.0, cpu_source="dashboard",
               running_task=TaskRef("t3", "train_step"), gpus_allocated=1.0),
    )
    return Snapshot(
        time=at, status=Status(True, "10.0.0.1:6379"),
        cluster=ClusterSummary(2, 3, 12.0, 4.0, 42.0, 36 * GiB, 80 * GiB),
        nodes=(gone, gpu_node, head) if dead else (gpu_node, head), workers=workers)


def history(node_id: str) -> list[float]:
    return {HEAD: [10.0, 40.0, 80.0, 100.0, 61.0], GPU_NODE: [20.0, 23.0]}.get(node_id, [])


VIEW = ViewState(node_cpu_history=history)


class NodesApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield NodesPanel(id="nodes-panel")

    def on_nodes_panel_workers_of_node(self, message: NodesPanel.WorkersOfNode) -> None:
        self.chosen.append(message.node_id)


@asynccontextmanager
async def nodes_shown(snapshot: Snapshot, view: ViewState = VIEW,
                      ) -> AsyncIterator[tuple[NodesApp, NodesPanel, Pilot[None]]]:
    """The panel mounted in a NodesApp, showing `snapshot`."""
    app = NodesApp()
    async with app.run_test(size=(160, 30)) as pilot:
        panel = app.query_one(NodesPanel)
        panel.show(snapshot, view)
        await pilot.pause()
        yield app, panel, pilot


def cells(table: KeyedTable, key: str) -> dict[str, str]:
    row = table.get_row(key)
    return {column: str(getattr(cell, "plain", cell))
            for column, cell in zip(table.column_keys, row, strict=True)}


async def test_one_row_per_node_head_first_dead_last() -> None:
    async with nodes_shown(cluster()) as (app, panel, pilot):
        table = panel.table
        assert "gpus" in table.column_keys
        order = [str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value)
                 for i in range(table.row_count)]
        assert order == [HEAD, GPU_NODE, GONE]
        head = cells(table, HEAD)
        assert head["node"] == "10.0.0.1 head" and head["state"] == "ALIVE"
        assert head["cpus"] == "2/4" and "61%" in head["measured"]
        assert head["memory"] == "6.0/16.0G" and head["store"] == "512M/4.0G"
        assert head["workers"] == "2/1"  # the driver is not a worker; one busy
        assert head["gpus"] == "-"
        assert head["spark"].strip() and len(head["spark"]) == 10
        gpu = cells(table, GPU_NODE)
        assert gpu["gpus"] == "2/2 4% 38.5/48.0G"  # held, devices, mean busy, memory
        assert gpu["store"] == "2.0/8.0G +3.0G spilled"
        assert gpu["workers"] == "2/2"


async def test_a_dead_node_stays_dimmed_with_when_it_died() -> None:
    async with nodes_shown(cluster()) as (app, panel, pilot):
        row = panel.table.get_row(GONE)
        died = time.strftime("%H:%M:%S", time.localtime(T0 - 300))
        assert row[1].plain == f"DEAD {died}"
        assert all("dim" in str(cell.style) for cell in row)
        gone = cells(panel.table, GONE)
        assert gone["measured"].strip() == "-" and gone["memory"] == "-"  # not its last 99 %
        assert "3 nodes, 1 dead" in str(app.query_one("#nodes-caption").render())


async def test_gpu_column_only_when_the_cluster_has_gpus() -> None:
    async with nodes_shown(cluster(gpus=False)) as (app, panel, pilot):
        assert "gpus" not in panel.table.column_keys and panel.table.row_count == 3
        panel.show(cluster(gpus=True), VIEW)  # a GPU node joins
        await pilot.pause()
        assert "gpus" in panel.table.column_keys and panel.table.row_count == 3
        assert cells(panel.table, GPU_NODE)["gpus"] == "2/2 4% 38.5/48.0G"
        assert "GPUs 2/2 held" in str(app.query_one("#nodes-caption").render())


async def test_logical_gpus_without_devices_show_what_is_held() -> None:
    snapshot = cluster(gpus=False, dead=False)
    head = replace(snapshot.nodes[1], gpus_total=2.0, gpus_used=1.0)
    shown = replace(snapshot, nodes=(snapshot.nodes[0], head))
    async with nodes_shown(shown) as (_app, panel, _pilot):
        assert cells(panel.table, HEAD)["gpus"] == "1/2"


async def test_unknown_figures_are_a_dash_not_zero() -> None:
    snapshot = cluster(dead=False)
    fresh = replace(snapshot.nodes[0], figures_known=False, cpu_percent=0.0,
                    memory_used_bytes=0)
    shown = replace(snapshot, nodes=(fresh, snapshot.nodes[1]))
    async with nodes_shown(shown) as (_app, panel, _pilot):
        row = cells(panel.table, GPU_NODE)
        assert row["measured"].strip() == "-" and row["memory"] == "-"


async def test_enter_asks_for_the_workers_of_the_node() -> None:
    async with nodes_shown(cluster()) as (app, panel, pilot):
        panel.table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.chosen == [GPU_NODE]
        title, body = panel.selected_detail() or ("", None)
        assert title == "Node 10.0.0.2" and body is not None
        assert "GPU 1" in body.plain and "NVIDIA A10G 5% busy" in body.plain


async def test_filter_keeps_matching_nodes() -> None:
    async with nodes_shown(cluster(), replace(VIEW, filter_text="dead")) as (app, panel, pilot):
        assert panel.table.row_count == 1 and panel.table.get_row(GONE)
