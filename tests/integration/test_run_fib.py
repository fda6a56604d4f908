"""`raytui run fib` against a real cluster, and its bad-input paths."""

import json
import os
import signal
import subprocess
import time

import psutil
import pytest

from tests.conftest import RAYTUI, REPO, run_raytui
from tests.helpers import ray_daemon_pids
from tui.core.connection import RayConnection, free_port

FIELDS = {"size", "count", "pattern", "local_s", "remote_s", "speedup"}


def test_run_fib_json_on_a_real_cluster(ray_cluster: RayConnection) -> None:
    result = run_raytui("run", "fib", "--size", "20000", "--count", "3", "--json",
                        "--address", ray_cluster.gcs_address or "")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data.keys() >= FIELDS
    assert (data["size"], data["count"], data["pattern"]) == (20000, 3, "parallel")
    assert data["local_s"] > 0 and data["remote_s"] > 0
    assert data["speedup"] == pytest.approx(data["local_s"] / data["remote_s"])


def test_run_fib_prints_the_tutorial_lines_in_serial_pattern(ray_cluster: RayConnection) -> None:
    result = run_raytui("run", "fib", "--size", "5000", "--count", "2", "--pattern", "serial",
                        "--address", ray_cluster.gcs_address or "")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Sequence size: 5000, Local execution time: ")
    assert lines[1].startswith("Sequence size: 5000, Remote execution time: ")
    assert "serial" in lines[2]


def test_run_fib_through_the_dashboard_url_runs_as_a_job(ray_cluster: RayConnection) -> None:
    result = run_raytui("run", "fib", "--size", "2000", "--count", "2", "--json",
                        "--address", ray_cluster.dashboard_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert (data["size"], data["count"]) == (2000, 2)


def test_embedded_cluster_is_stopped_after_the_run() -> None:
    before = ray_daemon_pids()
    result = run_raytui("run", "fib", "--size", "1000", "--count", "2", "--num-cpus", "1")
    assert result.returncode == 0, result.stderr
    assert "Remote execution time" in result.stdout
    deadline = time.monotonic() + 10
    while ray_daemon_pids() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_daemon_pids() - before == set()


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (f"127.0.0.1:{free_port()}", "cannot reach Ray at 127.0.0.1:"),
        (f"http://127.0.0.1:{free_port()}", "cannot reach Ray at http://127.0.0.1:"),
        ("not-an-address", "address 'not-an-address'"),
        ("127.0.0.1:99999", "out of range"),
    ],
)
def test_bad_address_is_one_line_exit_2_quickly(address: str, expected: str) -> None:
    before = ray_daemon_pids()
    start = time.monotonic()
    result = run_raytui("run", "fib", "--address", address, timeout=30)
    assert time.monotonic() - start < 15
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert ray_daemon_pids() - before == set()


def test_bad_address_from_environment_names_its_source() -> None:
    result = run_raytui("run", "fib", env={"RAY_ADDRESS": f"127.0.0.1:{free_port()}"}, timeout=30)
    assert result.returncode == 2
    assert "RAY_ADDRESS" in result.stderr


@pytest.mark.parametrize(
    "args", [["--size", "-1"], ["--count", "0"], ["--pattern", "zigzag"], ["--size", "ten"]]
)
def test_invalid_values_are_usage_errors(args: list[str]) -> None:
    result = run_raytui("run", "fib", *args, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("run", "fib"), ("snapshot",), ()])
def test_a_zero_cpu_embedded_cluster_is_a_usage_error(command: tuple[str, ...]) -> None:
    result = run_raytui(*command, "--num-cpus", "0", timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == "raytui: --num-cpus must be 1 or more, got 0"


def test_a_run_that_cannot_fit_in_memory_is_refused_at_once() -> None:
    before = ray_daemon_pids()
    start = time.monotonic()
    result = run_raytui("run", "fib", "--size", "10000000000", "--count", "2", timeout=30)
    assert time.monotonic() - start < 10
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--size 10000000000" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert ray_daemon_pids() - before == set()  # refused before any cluster started


def test_a_killed_worker_leaves_stdout_holding_only_the_json(ray_cluster: RayConnection) -> None:
    """Ray's driver prints "(raylet) A worker died or was killed ..." to stdout; with
    --json a script reads stdout, so that line must go to stderr."""
    proc = subprocess.Popen(
        [RAYTUI, "run", "fib", "--size", "150000", "--count", "6", "--no-local", "--json",
         "--address", ray_cluster.gcs_address or ""],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"})
    killed = None
    try:
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            for worker in psutil.process_iter(["cmdline"]):
                if "ray::fibonacci_distributed" in " ".join(worker.info["cmdline"] or []):
                    worker.send_signal(signal.SIGKILL)
                    killed = worker.pid
                    break
            time.sleep(0.02)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert killed is not None, "no worker ran the task"
    assert proc.returncode == 0, err
    assert "worker died" in err.lower() or "killed" in err.lower(), err  # it was said, on stderr
    data = json.loads(out)  # the whole of stdout, as `jq` reads it
    assert (data["size"], data["count"]) == (150000, 6)
