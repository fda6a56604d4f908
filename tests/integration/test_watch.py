"""`raytui watch --jsonl` end to end: the installed command against the session cluster,
while the tutorial's Fibonacci workload runs as a separate driver."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import RAYTUI, REPO, run_raytui
from tui.core.connection import RayConnection
from tui.core.record import read_snapshots


@dataclass
class WatchRun:
    process: subprocess.Popen[str]
    lines: queue.Queue[tuple[float, dict[str, Any]]] = field(default_factory=queue.Queue)
    seen: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def next_line(self, timeout: float) -> tuple[float, dict[str, Any]] | None:
        try:
            item = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        self.seen.append(item)
        return item


@contextmanager
def watch(*args: str) -> Iterator[WatchRun]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    process = subprocess.Popen([RAYTUI, "watch", "--jsonl", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    run = WatchRun(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            run.lines.put((time.monotonic(), json.loads(line)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield run
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)
        reader.join(10)


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


def first_time(run: WatchRun, kind: str) -> float | None:
    return next((t for t, s in run.seen if kind in flag_kinds(s)), None)


# Warm workers compute a size-100000 sequence in about 0.7 s here (2 s cold): the counts
# below keep each workload running for 15-20 s, longer than the detectors' windows.


def test_serial_anti_pattern_raises_uneven(ray_cluster: RayConnection, tmp_path: Path) -> None:
    assert ray_cluster.gcs_address
    record = tmp_path / "serial.jsonl"
    with watch("--address", ray_cluster.gcs_address, "--interval", "1", "--duration", "40",
               "--fail-on", "uneven", "--record", str(record)) as run:
        assert run.next_line(timeout=60) is not None  # the watch is up
        with fibonacci_driver(ray_cluster.gcs_address, "--pattern", "serial", "--count", "30"):
            launched = time.monotonic()
            work_started = uneven_at = None
            while uneven_at is None and time.monotonic() - launched < 40:
                item = run.next_line(timeout=5)
                if item is None:
                    continue
                at, snapshot = item
                assert snapshot["status"]["connected"], snapshot["status"]
                if work_started is None and fib_running(snapshot):
                    work_started = at
                if "uneven" in flag_kinds(snapshot):
                    uneven_at = at
                    flag = next(f for f in snapshot["flags"] if f["kind"] == "uneven")
            assert work_started is not None, "the serial workload never showed up as running"
            assert uneven_at is not None, "uneven never raised by the serial pattern"
            print(f"uneven {uneven_at - work_started:.1f} s after the first task ran, "
                  f"{uneven_at - launched:.1f} s after the driver started")
            assert uneven_at - work_started <= 10.0
            # the flag names the one busy worker, which is the one running the tasks
            busy = [w for w in snapshot["workers"] if running_fib(w)]
            assert busy and {"node_id": busy[0]["node_id"], "pid": busy[0]["pid"]} in flag["workers"]
            assert flag["message"] and flag["severity"] == "warning"
        run.process.send_signal(signal.SIGINT)  # Ctrl-C: the normal end of a watch
        assert run.process.wait(60) == 1  # --fail-on uneven
        assert "flag raised: uneven" in (run.process.stderr.read() if run.process.stderr else "")
    recorded = list(read_snapshots(record))
    assert len(recorded) >= 5 and any(f.kind == "uneven" for s in recorded for f in s.flags)


def test_balanced_fan_out_saturates_and_is_not_uneven(ray_cluster: RayConnection) -> None:
    assert ray_cluster.gcs_address
    with watch("--address", ray_cluster.gcs_address, "--interval", "1", "--duration", "60",
               "--fail-on", "uneven") as run:
        assert run.next_line(timeout=60) is not None
        with fibonacci_driver(ray_cluster.gcs_address, "--pattern", "parallel",
                              "--count", "40") as driver:
            launched = time.monotonic()
            work_started = None
            while driver.poll() is None and time.monotonic() - launched < 90:
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
