"""`L` in the monitor: the Lab screen over the app's launcher, kept while the sweep runs."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.app.fakes import make_app
from tests.app.test_lab_screen import POINTS, ScriptedLauncher, job_output
from tui.screens.lab import LabScreen


async def test_L_opens_the_lab_and_esc_keeps_the_sweep_for_the_monitor() -> None:
    launcher = ScriptedLauncher(job_output(POINTS), hold=True)
    app = make_app(launcher=launcher)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("L")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await pilot.press("c")
        for _ in range(100):
            await pilot.pause(0.05)
            if len(lab.points) == len(POINTS):
                break
        assert [p.size for p in lab.points] == [p.size for p in POINTS]
        assert launcher.submitted and launcher.submitted[0][0] == "workloads.lab"
        # the monitor's keys do not break while the Lab is on top
        for key in ("s", "p", "p", "tab", "enter", "escape"):
            await pilot.press(key)
        assert not isinstance(app.screen, LabScreen), "esc goes back to the monitor"
        assert lab.running and not launcher.stopped, "the sweep keeps running meanwhile"
        await pilot.press("L")
        same_lab = app.screen is lab  # (an assert on `is` would narrow lab to Screen)
        assert same_lab, "L returns to the same Lab, its points kept"
        assert len(lab.points) == len(POINTS)
        await pilot.press("x")
        for _ in range(100):
            await pilot.pause(0.05)
            if not lab.running:
                break
        assert launcher.stopped == ["raysubmit_lab_test"]


async def lab_sweep_running(pilot: Pilot[int], launcher: ScriptedLauncher) -> LabScreen:
    await pilot.press("L")
    lab = pilot.app.screen
    assert isinstance(lab, LabScreen)
    await pilot.press("c")
    for _ in range(200):
        await pilot.pause(0.02)
        if lab.job_id:
            break
    assert lab.running and lab.job_id == "raysubmit_lab_test"
    return lab


async def test_q_over_a_running_sweep_asks_and_leave_keeps_the_job() -> None:
    from tui.screens.quit_running import QuitRunningScreen

    launcher = ScriptedLauncher("", hold=True)
    app = make_app(launcher=launcher)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 36)) as pilot:
        await lab_sweep_running(pilot, launcher)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert isinstance(app.screen, QuitRunningScreen)
        assert "the lab's compute sweep (job raysubmit_lab_test)" in str(
            app.screen.query_one("#quit-running").render())
        await pilot.press("l")
        await pilot.pause(0.1)
        assert app.return_code == 0
    assert launcher.stopped == []  # left running: the Lab's exit did not stop it


async def test_q_over_a_running_sweep_stop_stops_it_once() -> None:
    launcher = ScriptedLauncher("", hold=True)
    app = make_app(launcher=launcher)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 36)) as pilot:
        await lab_sweep_running(pilot, launcher)
        await pilot.press("escape")  # back to the monitor: the question still covers it
        await pilot.press("q")
        await pilot.pause(0.1)
        await pilot.press("s")
        await pilot.pause(0.1)
        assert app.return_code == 0
    assert launcher.stopped == ["raysubmit_lab_test"]
