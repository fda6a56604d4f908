"""Events on a real cluster: `raytui watch --jsonl` prints each as its own line, the same
events are in its `--record` recording, and the replay shows them in the Events tab."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests import helpers
from tests.app.test_keys import wait_for
from tests.conftest import RAYTUI, REPO
from tui.core.connection import RayConnection
from tui.core.detect.params import DetectParams
from tui.core.model import to_json
from tui.core.record import Recording, read_snapshots
from tui.panels.events import EventsPanel
from tui.replay import ReplayApp, ReplaySource

# one worker busy for 1.5 of uneven's windows, whatever the machine's speed
SERIAL_COUNT = helpers.fib_count_lasting(1.5 * DetectParams().uneven_window_s)
CLEARED_WAIT_S = 15.0  # uneven looks at the last 6 s: it clears within that after the run


def serial_run_watched(gcs_address: str, record: Path) -> list[dict[str, Any]]:
    """The serial Fibonacci pattern (9-25 s) under `watch --jsonl --record`, and the
    watch's lines until the flag has had time to clear (written to a file: a pipe left
    unread would fill and hold the watch up)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    out = record.with_name("stdout.jsonl")
    with out.open("w") as stdout:
        watch = subprocess.Popen([RAYTUI, "watch", "--jsonl", "--interval", "1",
                                  "--duration", "90", "--address", gcs_address,
                                  "--record", str(record)],
                                 stdout=stdout, stderr=subprocess.PIPE, text=True, env=env,
                                 cwd=REPO)
        try:
            deadline = time.monotonic() + 60
            while not out.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)  # attached and polling
            assert out.read_text(), "the watch printed nothing"
            driver = subprocess.run(
                [sys.executable, "-m", "workloads.fibonacci", "--size", str(helpers.FIB_SIZE),
                 "--no-local", "--pattern", "serial", "--count", str(SERIAL_COUNT)],
                capture_output=True, text=True, cwd=REPO, timeout=120,
                env=dict(os.environ, RAY_ADDRESS=gcs_address, RAY_AUTH_MODE="token"))
            assert driver.returncode == 0, driver.stderr[-500:]
            # the run is over: wait for the flag's last event to be its clearing (it
            # cannot be raised again without work), not for a fixed time
            deadline = time.monotonic() + CLEARED_WAIT_S
            while not uneven_cleared(out) and time.monotonic() < deadline:
                time.sleep(0.2)
            watch.send_signal(signal.SIGINT)
            _out, err = watch.communicate(timeout=60)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait(30)
    assert watch.returncode == 0, err[-500:]
    return [json.loads(line) for line in out.read_text().splitlines()]


def uneven_cleared(out: Path) -> bool:
    """The watch's last `uneven` event line so far is a `flag_cleared` (a line still
    being written is left for the next look)."""
    kinds = []
    for line in out.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("type") == "event" and str(record.get("subject", "")).startswith("uneven:"):
            kinds.append(record["kind"])
    return bool(kinds) and kinds[-1] == "flag_cleared"


async def test_uneven_comes_out_as_event_lines_once_and_replays(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    assert ray_cluster.gcs_address
    record = tmp_path / "serial.jsonl"
    lines = serial_run_watched(ray_cluster.gcs_address, record)
    snapshots = [line for line in lines if line["type"] == "snapshot"]
    events = [line for line in lines if line["type"] == "event"]
    assert {line["type"] for line in lines} == {"snapshot", "event"}
    assert all("events" not in s for s in snapshots)  # carried by the event lines alone

    uneven = [e for e in events if e["subject"].startswith("uneven:")]
    kinds = [e["kind"] for e in uneven]
    assert kinds and kinds[0] == "flag_raised", [e["message"] for e in events]
    seen = [(round(e["time"] - lines[0]["time"], 1), e["message"]) for e in events]
    assert kinds[-1] == "flag_cleared" and 0 < uneven[-1]["duration_s"] < 60, seen
    assert "ray.get" in uneven[0]["detail"]  # the plain-words explanation travels with it
    # each event once: no (time, kind, subject) twice, however many snapshots followed
    identities = [(e["time"], e["kind"], e["subject"]) for e in events]
    assert len(identities) == len(set(identities))
    # the event line follows the snapshot line of the poll that raised the flag
    raised_at = lines.index(uneven[0])
    poll = next(line for line in reversed(lines[:raised_at]) if line["type"] == "snapshot")
    assert "uneven" in {f["kind"] for f in poll["flags"]}
    assert poll["time"] == uneven[0]["time"]

    # the recording holds the same events, inside its snapshots, for the replay
    recorded = list(read_snapshots(record))
    assert [to_json(e) for s in recorded for e in s.events] == [
        {k: v for k, v in e.items() if k != "type"} for e in events]

    with Recording(record) as recording:
        assert recording.indexed.wait(10)
        app = ReplayApp(ReplaySource(recording), record.name, interval_s=0.02)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.replay.at_end, timeout_s=30)
            await pilot.press("v")
            await pilot.pause()
            panel = app.query_one("#events-panel", EventsPanel)
            assert [(e.kind, e.subject) for e in panel.events] == [
                (e["kind"], e["subject"]) for e in events]
