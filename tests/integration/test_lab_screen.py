"""The Lab screen against a real cluster: the sweep runs as a Ray job, sizes arrive live."""

from __future__ import annotations

from textual.app import App
from textual.widgets import DataTable, Static

from tui.core.connection import RayConnection
from tui.panels.lab_plot import LabPlot
from tui.screens.lab import LabScreen
from workloads import lab_results as lab

SIZES = (1_000, 150_000)  # the second size takes ~2 s: time to see the first one alone


class LabApp(App[None]):
    def __init__(self, dashboard_url: str) -> None:
        super().__init__()
        self.lab = LabScreen(dashboard_url, sizes={"compute": SIZES}, repeats=1)

    def on_mount(self) -> None:
        self.push_screen(self.lab)


async def test_compute_sweep_as_a_job_draws_points_as_they_arrive(
        ray_cluster: RayConnection) -> None:
    app = LabApp(ray_cluster.dashboard_url)
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.lab
        table = screen.query_one("#lab-table", DataTable)
        await pilot.press("c")
        seen_rows_while_running: set[int] = set()
        for _ in range(1200):  # up to 60 s
            await pilot.pause(0.05)
            if not screen.running:
                break
            seen_rows_while_running.add(table.row_count)
        assert not screen.running, "the sweep job did not finish in 60 s"
        status = str(screen.query_one("#lab-status", Static).render())
        assert "done" in status, status
        assert screen.job_id and screen.job_id.startswith("raysubmit_")
        assert 1 in seen_rows_while_running, "the first size should show before the job ends"
        assert table.row_count == len(SIZES)
        assert [p.size for p in screen.points] == list(SIZES)
        assert screen.summary is not None and screen.summary["sizes"] == list(SIZES)
        expected = lab.crossover_size(screen.points)
        assert screen.summary["crossover_size"] == expected
        plot = screen.query_one("#lab-plot", LabPlot)
        assert [len(s.points) for s in plot.series] == [2, 2]
        assert plot.crossover == expected
