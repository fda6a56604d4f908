"""Replay: playing, pausing, stepping and seeking a real JSONL recording."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.app.fakes import HEAD, T0, make_snapshot
from tests.app.test_keys import key, wait_for, workers_table
from tests.conftest import run_raytui
from tui.core.model import WorkerKey
from tui.core.record import SnapshotWriter, read_snapshots
from tui.replay import ReplayApp, ReplaySource


def write_recording(path: Path, count: int = 30) -> Path:
    """`count` snapshots one second apart; worker 1003's CPU equals the snapshot index."""
    with SnapshotWriter(path) as writer:
        for index in range(count):
            writer.write(make_snapshot(time=T0 + index,
                                       busy={1001: 98.0, 1002: 3.0, 1003: float(index),
                                             1004: 55.0}))
    return path


def replay_app(path: Path, interval_s: float = 3600.0) -> ReplayApp:
    return ReplayApp(ReplaySource(list(read_snapshots(path))), path.name, interval_s)


def cpu_of_1003(app: ReplayApp) -> str:
    return str(workers_table(app).get_cell(key(1003), "cpu")).strip()


async def test_replay_steps_seeks_and_pauses(tmp_path: Path) -> None:
    app = replay_app(write_recording(tmp_path / "rec.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshots_applied >= 1)
        assert app.replay.index == 0 and cpu_of_1003(app).endswith(" 0%")
        await pilot.press("full_stop")
        await wait_for(pilot, lambda: app.replay.index == 1 and app.snapshots_applied >= 2)
        assert cpu_of_1003(app).endswith(" 1%")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: cpu_of_1003(app).endswith(" 11%"))
        await pilot.press("comma")
        await wait_for(pilot, lambda: cpu_of_1003(app).endswith(" 10%"))
        header = str(app.query_one("#header", Static).render())
        assert "11/30 +00:10 PAUSED" in header
        # history never shows the future after a seek back
        assert app.history.worker_cpu(WorkerKey(HEAD, 1003))[-1] == 10.0
        await pilot.press("dollar_sign")
        await wait_for(pilot, lambda: app.replay.index == 29)
        await pilot.press("circumflex_accent")
        await wait_for(pilot, lambda: cpu_of_1003(app).endswith(" 0%"))


async def test_replay_plays_at_its_interval_and_pause_stops_it(tmp_path: Path) -> None:
    app = replay_app(write_recording(tmp_path / "rec.jsonl"), interval_s=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.replay.index >= 3)
        await pilot.press("p")
        stopped_at = app.replay.index
        await pilot.pause(0.3)
        assert app.replay.index == stopped_at
        assert "PAUSED" in str(app.query_one("#header", Static).render())
        await pilot.press("p")
        await wait_for(pilot, lambda: app.replay.index > stopped_at)


async def test_replay_cannot_launch_workloads(tmp_path: Path) -> None:
    app = replay_app(write_recording(tmp_path / "rec.jsonl", count=2))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshots_applied >= 1)
        await pilot.press("f")
        await pilot.pause()
        assert app.workload is None and app.is_running


def test_replay_command_reports_bad_files_in_one_line(tmp_path: Path) -> None:
    missing = run_raytui("replay", str(tmp_path / "nope.jsonl"), timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "no such file" in missing.stderr
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text('{"time": 1}\nnot json\n')
    result = run_raytui("replay", str(corrupt), timeout=60)
    assert result.returncode == 2 and "line 1" in result.stderr
    assert "Traceback" not in result.stderr
