"""Long (make soak): `raytui replay` of 100,000 snapshots (~470 MB) in tmux draws at
once, seeks to the end, stays small, and quits at once. Was: a blank screen for ~11
minutes, 1.26 GB RSS, 9.6 s to quit."""

from __future__ import annotations

import re
import time
from pathlib import Path

import psutil

from tests.faults.recordings import write_big_recording
from tests.faults.test_app_faults import app_in_tmux, tmux, wait_for_screen


def test_replay_of_100000_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    size = write_big_recording(path, 100_000, workers=75)
    assert size > 400 * 2**20, size
    with app_in_tmux(f"replay {path} --speed-interval 0.2", tmp_path) as pane:
        started = time.monotonic()
        wait_for_screen(pane.session, lambda s: bool(re.search(r"\b\d+/\d+\+? \+\d\d:", s)), 5)
        first_frame_s = time.monotonic() - started
        tmux("send-keys", "-t", pane.session, "$")
        wait_for_screen(pane.session, lambda s: "100000/100000 " in s, 60)
        rss = psutil.Process(pane.raytui_pid()).memory_info().rss
        tmux("send-keys", "-t", pane.session, "q")
        code, quit_s = pane.exit_code(10)
    print(f"first frame {first_frame_s:.1f} s, RSS {rss / 2**20:.0f} MB, quit {quit_s:.1f} s")
    assert first_frame_s < 5  # the app itself takes ~2 s to start here; was ~11 minutes
    assert rss < 300 * 2**20
    assert code == 0 and quit_s < 2
