"""`raytui watch --jsonl` end to end: the installed command against the session cluster,
while the tutorial's Fibonacci workload runs as a separate driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import REPO, run_raytui
from tests.faults.watching import Watch, watching
from tests.helpers import fib_count_lasting, wait_until_quiet
from tui.core.connection import RayConnection
from tui.core.detect.params import DetectParams
from tui.core.poll.slots import DASHBOARD_PERIOD_S
from tui.core.record import read_snapshots

INTERVAL_S = 1  # the serial test's watch interval


@contextmanager
def fibonacci_driver(gcs_address: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    env = dict(os.environ, RAY_ADDRESS=gcs_address, RAY_AUTH_MODE="token")
    process = subprocess.Popen([sys.executable, "-m", "workloads.fibonacci", "--size", "100000",
                                "--no-local", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=60)


def running_fib(worker: dict[str, Any]) -> bool:
    # the process title is live (psutil); Ray's task events behind running_task can lag
    return (worker["title"].startswith("ray::fibonacci_distributed")
            or (worker.get("running_task") or {}).get("name") == "fibonacci_distributed")


def fib_running(snapshot: dict[str, Any]) -> bool:
    return any(running_fib(w) for w in snapshot["workers"])


def flag_kinds(snapshot: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in snapshot["flags"]}


def first_time(run: Watch, kind: str) -> float | None:
    return next((t for t, s in run.seen if kind in flag_kinds(s)), None)


# Warm workers compute a size-100000 sequence in about 0.7 s here (2 s cold): the counts
# below keep each workload running for 15-20 s, longer than the detectors' windows.


def test_serial_anti_pattern_raises_uneven(ray_cluster: RayConnection, tmp_path: Path) -> None:
    assert ray_cluster.gcs_address
    record = tmp_path / "serial.jsonl"
    wait_until_quiet()  # how soon uneven rises is timed: not against a neighbour's exit
    with watching("--address", ray_cluster.gcs_address, "--interval", str(INTERVAL_S),
                  "--duration", "40", "--fail-on", "uneven", "--record", str(record)) as run:
        assert run.next_line(timeout=60) is not None  # the watch is up
        # long enough for uneven's window twice over even on a quiet machine (30 tasks
        # ended as the flag rose, with no worker left running fib)
        count = max(30, fib_count_lasting(2 * DetectParams().uneven_window_s))
        with fibonacci_driver(ray_cluster.gcs_address, "--pattern", "serial", "--count",
                              str(count)):
            launched = run.elapsed()
            work_started = uneven_at = None
            ran_fib: dict[str, Any] | None = None  # the worker last seen running a task
            while uneven_at is None and run.elapsed() - launched < 40:
                item = run.next_line(timeout=5)
                if item is None:
                    continue
                at, snapshot = item
                assert snapshot["status"]["connected"], snapshot["status"]
                if work_started is None and fib_running(snapshot):
                    work_started = at
                ran_fib = next((w for w in snapshot["workers"] if running_fib(w)), ran_fib)
                if "uneven" in flag_kinds(snapshot):
                    uneven_at = at
                    flag = next(f for f in snapshot["flags"] if f["kind"] == "uneven")
            assert work_started is not None, "the serial workload never showed up as running"
            assert uneven_at is not None, "uneven never raised by the serial pattern"
            print(f"uneven {uneven_at - work_started:.1f} s after the first task ran, "
                  f"{uneven_at - launched:.1f} s after the driver started")
            # its window, plus the lag of the logical CPUs it reads (the cluster status is
            # asked at Ray's 5 s reporting cadence), plus a poll either side: measured in
            # CI 4.0, 11.0 and 12.0 s, by where the work began in that 5 s step
            assert uneven_at - work_started <= (DetectParams().uneven_window_s
                                                + DASHBOARD_PERIOD_S + 2 * INTERVAL_S)
            # the flag names the one busy worker, which is the one running the tasks (the
            # poll that raised it can fall between two serial tasks, with none running)
            assert ran_fib is not None
            assert {"node_id": ran_fib["node_id"], "pid": ran_fib["pid"]} in flag["workers"]
            assert flag["message"] and flag["severity"] == "warning"
            lines = 0  # Ctrl-C now ends the watch at once: record a few polls more first
            while lines < 5 and run.next_line(timeout=5) is not None:
                lines += 1
        run.process.send_signal(signal.SIGINT)  # Ctrl-C: the normal end of a watch
        assert run.process.wait(60) == 1  # --fail-on uneven
        assert "flag raised: uneven" in (run.process.stderr.read() if run.process.stderr else "")
    recorded = list(read_snapshots(record))
    assert len(recorded) >= 5 and any(f.kind == "uneven" for s in recorded for f in s.flags)


def test_balanced_fan_out_saturates_and_is_not_uneven(ray_cluster: RayConnection) -> None:
    assert ray_cluster.gcs_address
    with watching("--address", ray_cluster.gcs_address, "--interval", "1", "--duration", "60",
               "--fail-on", "uneven") as run:
        assert run.next_line(timeout=60) is not None
        with fibonacci_driver(ray_cluster.gcs_address, "--pattern", "parallel",
                              "--count", "40") as driver:
            launched = run.elapsed()
            work_started = None
            while driver.poll() is None and run.elapsed() - launched < 90:
                item = run.next_line(timeout=5)
                if item is None:
                    continue
                at, snapshot = item
                if work_started is None and fib_running(snapshot):
                    work_started = at
            while run.next_line(timeout=0.1) is not None:
                pass
        run.process.send_signal(signal.SIGINT)
        assert run.process.wait(30) == 0  # --fail-on uneven, and it was not raised
    assert work_started is not None
    assert driver.returncode == 0
    saturated_at = first_time(run, "saturated")
    assert saturated_at is not None, "CPU-bound tasks on every core never raised saturated"
    print(f"saturated {saturated_at - work_started:.1f} s after the first task ran")
    assert saturated_at - work_started <= 10.0
    uneven = [s["flags"] for _t, s in run.seen if "uneven" in flag_kinds(s)]
    assert not uneven, uneven
    # every worker running a task had a live CPU figure
    for _t, snapshot in run.seen:
        for worker in snapshot["workers"]:
            if worker.get("running_task"):
                assert worker["cpu_source"] == "psutil"


def test_watch_usage_and_connection_errors_exit_2(tmp_path: Path) -> None:
    bad_flag = run_raytui("watch", "--fail-on", "everything")
    assert bad_flag.returncode == 2 and "unknown flag kind" in bad_flag.stderr
    assert len(bad_flag.stderr.strip().splitlines()) == 1
    bad_interval = run_raytui("watch", "--interval", "0")
    assert bad_interval.returncode == 2 and "--interval" in bad_interval.stderr
    nobody = run_raytui("watch", "--address", "127.0.0.1:1", "--duration", "1")
    assert nobody.returncode == 2 and "cannot reach Ray" in nobody.stderr
    assert "Traceback" not in nobody.stderr
    unwritable = run_raytui("watch", "--record", str(tmp_path / "missing" / "x.jsonl"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr


def test_snapshot_json_and_text(ray_cluster: RayConnection) -> None:
    assert ray_cluster.gcs_address
    as_json = run_raytui("snapshot", "--json", "--address", ray_cluster.gcs_address)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["status"]["connected"] and data["cluster"]["cpus_total"] == 2.0
    assert data["workers"] and all(w["cpu_source"] == "psutil" for w in data["workers"]
                                   if w["worker_type"] == "WORKER")
    text = run_raytui("snapshot", "--address", ray_cluster.gcs_address)
    assert text.returncode == 0, text.stderr
    assert "connected" in text.stdout and "Workers (" in text.stdout
