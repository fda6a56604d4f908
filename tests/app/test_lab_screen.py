"""The Lab screen over a scripted launcher: points arrive in chunks, the plot and table grow.

The job output is the real format (`workloads.lab` JSON lines, split mid-line and mixed
with Ray's log noise); the real job path is tested in tests/integration/test_lab_screen.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tui.launch.jobs import JobState
from tui.panels.lab_plot import LabPlot
from tui.screens.lab import LabScreen
from workloads.lab_results import SweepPoint, point_event, summarize

POINTS = [SweepPoint("compute", 1000, 2, 3, 0.0004, 0.0041, 0.0004 / 0.0041),
          SweepPoint("compute", 20000, 2, 3, 0.0466, 0.0298, 0.0466 / 0.0298),
          SweepPoint("compute", 100000, 2, 3, 0.728, 0.488, 0.728 / 0.488)]


def job_output(points: Sequence[SweepPoint]) -> str:
    lines = ["2026-11-26 11:00:00 INFO worker.py -- Connecting to existing Ray cluster"]
    lines += [json.dumps(point_event(p)) for p in points]
    lines.append(json.dumps(summarize("compute", 2, 3, points).to_json()))
    return "\n".join(lines) + "\n"


class ScriptedLauncher:
    """Plays a job's output in uneven chunks; `hold` keeps it RUNNING until stopped."""

    def __init__(self, output: str, hold: bool = False) -> None:
        self.output, self.hold = output, hold
        self.submitted: list[tuple[str, list[str]]] = []
        self.stopped: list[str] = []

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        self.submitted.append((module, list(args)))
        return "raysubmit_lab_test"

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        chunks = [self.output[i:i + 97] for i in range(0, len(self.output), 97)]
        for chunk in chunks:
            yield JobState(job_id, "RUNNING"), chunk
        while self.hold and not self.stopped:
            time.sleep(poll_s)
            yield JobState(job_id, "RUNNING"), ""
        yield JobState(job_id, "STOPPED" if self.stopped else "SUCCEEDED"), ""

    def stop(self, job_id: str) -> None:
        self.stopped.append(job_id)


class LabApp(App[None]):
    def __init__(self, launcher: ScriptedLauncher | None) -> None:
        super().__init__()
        self.launcher = launcher

    def on_mount(self) -> None:
        launcher = self.launcher
        make = (lambda: launcher) if launcher is not None else None
        self.push_screen(LabScreen(make_launcher=make,
                                   sizes={"compute": [p.size for p in POINTS]}, poll_s=0.01))


async def wait_until_done(pilot: Pilot[None], screen: LabScreen) -> None:
    for _ in range(200):
        await pilot.pause(0.02)
        if not screen.running:
            return
    raise AssertionError("the sweep never finished")


async def test_a_sweep_fills_the_table_plot_and_verdict() -> None:
    launcher = ScriptedLauncher(job_output(POINTS))
    app = LabApp(launcher)
    async with app.run_test(size=(120, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await pilot.press("c")
        await wait_until_done(pilot, screen)
        module, args = launcher.submitted[0]
        assert module == "workloads.lab"
        assert args[:3] == ["compute", "--sizes", "1000,20000,100000"] and "--json" in args
        table = screen.query_one("#lab-table", DataTable)
        assert table.row_count == 3
        assert [str(cell) for cell in table.get_row_at(2)] == ["100000", "728 ms", "488 ms", "1.49x"]
        assert str(table.get_row_at(0)[1]) == "0.4 ms"
        plot = screen.query_one("#lab-plot", LabPlot)
        assert [len(s.points) for s in plot.series] == [3, 3]
        assert plot.crossover == 20000
        verdict = str(screen.query_one("#lab-verdict", Static).render())
        assert "crossover at size 20000" in verdict
        assert "done" in str(screen.query_one("#lab-status", Static).render())


async def test_x_stops_the_job_and_escape_leaves_the_screen() -> None:
    launcher = ScriptedLauncher(job_output(POINTS[:1]).rsplit("\n", 2)[0] + "\n", hold=True)
    app = LabApp(launcher)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert screen.running
        await pilot.press("c")  # a second sweep is refused while one runs
        assert len(launcher.submitted) == 1
        await pilot.press("x")
        await wait_until_done(pilot, screen)
        assert launcher.stopped == ["raysubmit_lab_test"]
        assert "stopped" in str(screen.query_one("#lab-status", Static).render())
        assert screen.query_one("#lab-table", DataTable).row_count == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, LabScreen)


async def test_closing_the_app_mid_sweep_stops_the_job() -> None:
    launcher = ScriptedLauncher("", hold=True)
    app = LabApp(launcher)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await pilot.press("c")
        for _ in range(200):  # the submission happens in the worker thread
            await pilot.pause(0.02)
            if screen.job_id:
                break
        assert screen.running and screen.job_id == "raysubmit_lab_test"
    assert launcher.stopped == ["raysubmit_lab_test"]  # by on_unmount, before the exit


async def test_without_a_cluster_the_screen_says_so() -> None:
    app = LabApp(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        status = str(app.screen.query_one("#lab-status", Static).render())
        assert "cannot run the sweep: no Ray dashboard" in status
        assert not app.screen.running  # type: ignore[attr-defined]


async def run_sweep(pilot: Pilot[None]) -> None:
    await pilot.press("c")
    screen = pilot.app.screen
    assert isinstance(screen, LabScreen)
    await wait_until_done(pilot, screen)


def test_lab_screen_snapshot_after_a_sweep(snap_compare) -> None:
    assert snap_compare(LabApp(ScriptedLauncher(job_output(POINTS))), terminal_size=(120, 32),
                        run_before=run_sweep)


def test_lab_screen_snapshot_80x24(snap_compare) -> None:
    assert snap_compare(LabApp(ScriptedLauncher(job_output(POINTS))), terminal_size=(80, 24),
                        run_before=run_sweep)
