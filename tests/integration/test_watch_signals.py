"""`raytui watch` ends on Ctrl-C (SIGINT) and on `kill` (SIGTERM) as it ends at its
--duration: at once, its recording closed, exit 0 (1 with a --fail-on flag raised).

The watch is started with SIGINT ignored, as a shell without job control starts its
`&` commands (a CI script; the lead's test runs, whose processes show SigIgn 0x7 in
/proc/PID/status). Python keeps an inherited SIG_IGN, so the watch used to be deaf to
SIGINT and ran on to its --duration: test_watch.py's balanced fan-out test then saw no
exit within 30 s of its SIGINT. No Ray here: the simulated dashboard (tests/sim).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RAYTUI, REPO
from tests.sim import SimCluster

DURATION_S = 60  # far beyond the waits below: an exit by --duration fails the test
EXIT_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def sim() -> Iterator[SimCluster]:
    with SimCluster(nodes=2, workers_per_node=2, tasks=10, actors=1) as cluster:
        yield cluster


def ignore_sigint() -> None:  # in the child, before exec: what `cmd &` does without job control
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_ends_the_watch_at_once_even_with_sigint_inherited_ignored(
        sim: SimCluster, tmp_path: Path, signum: int) -> None:
    record = tmp_path / "watch.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | sim.env()
    watch = subprocess.Popen(
        [RAYTUI, "watch", "--jsonl", "--interval", "0.5", "--duration", str(DURATION_S),
         "--address", sim.url, "--record", str(record)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=env, cwd=REPO, preexec_fn=ignore_sigint)
    try:
        assert watch.stdout is not None
        first = watch.stdout.readline()  # attached and polling
        assert json.loads(first)["status"]["connected"], first
        sent = time.monotonic()
        watch.send_signal(signum)
        out, err = watch.communicate(timeout=DURATION_S)
        took = time.monotonic() - sent
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait(30)
    assert took < EXIT_WITHIN_S, f"exited {took:.1f} s after the signal (its --duration?)"
    assert watch.returncode == 0, err[-1000:]
    assert "Traceback" not in err
    # the recording was closed, not cut: every line is a whole snapshot
    lines = record.read_text().splitlines()
    assert lines and all(json.loads(line)["status"]["connected"] for line in lines)
    assert all(json.loads(line) for line in out.splitlines())
