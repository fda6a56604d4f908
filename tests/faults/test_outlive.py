"""The monitor outlives its cluster: attached by GCS address, a killed cluster is
"disconnected since ...", polling backs off, a cluster answering again at the address
is picked up (and named a new one), and --duration is kept whatever Ray does."""

from __future__ import annotations

import contextlib
import time

import psutil
import pytest

from tests.faults.cluster import RayHead
from tests.faults.watching import phase, watching

pytestmark = pytest.mark.ray


@pytest.mark.soak  # 50 s with two cluster starts: in make soak
def test_watch_outlives_a_killed_cluster_and_finds_the_new_one() -> None:
    """Was: no phase, no reconnection (and see tests/faults/long_outlive.py: Ray's
    driver ended the process ~60 s after the GCS died, exit 1)."""
    outlive_the_cluster(duration=40)


def outlive_the_cluster(duration: float) -> None:
    first = RayHead().start()
    second: RayHead | None = None
    try:
        with watching("--address", first.gcs_address, "--interval", "0.5",
                      "--duration", f"{duration:g}") as run:
            assert run.until(lambda line: phase(line) == "connected", 30), run.seen[-1:]
            first.kill()
            killed_at = run.elapsed()
            down = run.until(lambda line: phase(line) == "disconnected", 30)
            assert down is not None, [line["status"] for _, line in run.seen[-3:]]
            assert down["status"]["phase_since"] is not None
            assert not down["status"]["connected"]
            second = RayHead(first.gcs_port, first.dashboard_port).start()
            back = run.until(lambda line: phase(line) == "connected", 60)
            assert back is not None, [line["status"] for _, line in run.seen[-3:]]
            assert "NEW cluster" in back["status"]["phase_message"]
            assert back["status"]["cluster_id"] != run.seen[0][1]["status"]["cluster_id"]
            assert run.until(lambda line: line["cluster"]["nodes_alive"] == 1, 20)
            assert run.process.wait(duration + 30) == 0
            ended = run.elapsed()
        assert duration - 1 < ended < duration + 5, ended  # on time by --duration
        if duration > 70:  # still there when Ray's driver would have ended the process
            assert ended - killed_at > 60
        gap = [t for t, line in run.seen if phase(line) == "disconnected"]
        assert gap, "no disconnected line"
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_watch_of_an_embedded_cluster_killed_ends_on_time() -> None:
    """Was: `watch --duration 15` with the cluster killed at 5 s exited at 31 s
    (`ray.shutdown()` blocked 16-21 s)."""
    with watching("--num-cpus", "1", "--interval", "0.5", "--duration", "15") as run:
        assert run.until(lambda line: phase(line) == "connected", 60), run.seen[-1:]
        connected_at = run.elapsed()
        ray_processes = psutil.Process(run.process.pid).children(recursive=True)
        assert ray_processes, "the embedded cluster has no processes?"
        for child in ray_processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        assert run.process.wait(60) == 0
        ended = run.elapsed()
    # --duration counts from the start; the cluster took `connected_at` to start
    assert ended < 15 + 4, (ended, connected_at)

    def left() -> list[int]:
        alive = []
        for p in ray_processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
        return alive

    gone_by = time.monotonic() + 1  # SIGKILLed: they only need the kernel's moment
    while left() and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not left()
