"""Errors, kills and job stops against the real session cluster (state API, jobs API, GCS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
import ray

from tests.conftest import REPO, run_raytui
from tui.core.auth import read_auth_token
from tui.core.connection import RayConnection
from tui.core.control import Control, Refused, Target
from tui.core.sources.errors import ErrorReport, ErrorsSource
from tui.core.sources.http import DashboardHttp
from tui.core.sources.jobs_api import JobsApi, wait_finished

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("never happened")


def report(cluster: RayConnection) -> ErrorReport:
    http = DashboardHttp(cluster.dashboard_url)
    try:
        return ErrorsSource(http).report()
    finally:
        http.close()


@ray.remote(max_retries=0)
def parity_raises(n: int) -> None:
    raise ValueError(f"parity size {n} must be positive")


def test_a_raising_task_is_grouped_with_its_message_and_listed_by_raytui_errors(
        ray_cluster: RayConnection) -> None:
    for n in range(3):
        with pytest.raises(ray.exceptions.RayTaskError):
            ray.get(parity_raises.remote(-n))

    def grouped() -> object:
        return next((g for g in report(ray_cluster).groups
                     if g.function == "parity_raises" and g.count == 3), None)

    group = eventually(grouped)
    assert group.error_type == "ValueError"  # type: ignore[attr-defined]
    assert "must be positive" in group.latest.summary  # type: ignore[attr-defined]
    assert "Traceback" in group.latest.message or "File " in group.latest.message  # type: ignore[attr-defined]

    done = run_raytui("errors", "--json", "--address", ray_cluster.dashboard_url)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    ours = [g for g in listed["groups"] if g["function"] == "parity_raises"]
    assert ours and ours[0]["count"] == 3 and ours[0]["error_type"] == "ValueError"
    assert "must be positive" in ours[0]["latest"]["message"]


HOLDER_DRIVER = """
import os, sys, time
import ray
ray.init(address=sys.argv[1], log_to_driver=False)

@ray.remote(num_cpus=0)
class Holder:
    def pid(self):
        return os.getpid()

holder = Holder.remote()
print(ray.get(holder.pid.remote()), flush=True)
if sys.argv[2] == "wait":
    sys.stdin.read()
"""


def start_holder(cluster: RayConnection, wait: bool) -> subprocess.Popen[str]:
    env = {**os.environ, "RAY_AUTH_MODE": "token"}
    return subprocess.Popen([sys.executable, "-c", HOLDER_DRIVER, cluster.gcs_address or "",
                             "wait" if wait else "exit"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)


def actor_row(cluster: RayConnection, pid: int) -> dict[str, object] | None:
    from ray.util.state import list_actors

    rows = list_actors(address=cluster.gcs_address, filters=[("pid", "=", str(pid))],
                       detail=True, raise_on_missing_output=False)
    return rows[0].__dict__ if rows else None


def test_actor_of_an_exited_driver_is_dead_because_its_driver_exited(
        ray_cluster: RayConnection) -> None:
    driver = start_holder(ray_cluster, wait=False)
    pid = int(driver.stdout.readline())  # type: ignore[union-attr]
    driver.wait(60)

    def dead() -> object:
        return next((a for a in report(ray_cluster).dead_actors if a.pid == pid), None)

    actor = eventually(dead)
    assert "driver" in actor.cause and "exited" in actor.cause  # type: ignore[attr-defined]


def test_kill_unnamed_actor_of_another_job_ends_it_and_read_only_refuses(
        ray_cluster: RayConnection) -> None:
    driver = start_holder(ray_cluster, wait=True)
    try:
        pid = int(driver.stdout.readline())  # type: ignore[union-attr]
        row = eventually(lambda: actor_row(ray_cluster, pid))
        target = Target("actor", str(row["node_id"]), pid, str(row["actor_id"]),
                        name="Holder", local=True)
        with pytest.raises(Refused, match="read-only"):
            Control(ray_cluster.dashboard_url, read_only=True,
                    gcs_address=ray_cluster.gcs_address).kill_actor(target)
        assert (actor_row(ray_cluster, pid) or {}).get("state") == "ALIVE"

        message = Control(ray_cluster.dashboard_url,
                          gcs_address=ray_cluster.gcs_address).kill_actor(target)
        assert "through Ray" in message
        dead = eventually(lambda: next((a for a in report(ray_cluster).dead_actors
                                        if a.actor_id == row["actor_id"]), None))
        assert "ray.kill" in dead.cause
        with pytest.raises(Refused, match="already dead: nothing to stop"):  # Ray says DEAD
            Control(ray_cluster.dashboard_url).kill_actor(
                Target("actor", str(row["node_id"]), None, str(row["actor_id"]), name="Holder"))
    finally:
        driver.stdin.close()  # type: ignore[union-attr]
        driver.wait(60)


def test_stop_job_ends_a_running_job(ray_cluster: RayConnection) -> None:
    from ray.job_submission import JobSubmissionClient

    client = JobSubmissionClient(ray_cluster.dashboard_url)
    job_id = client.submit_job(entrypoint=f"{sys.executable} -c 'import time; time.sleep(300)'")
    api = JobsApi(ray_cluster.dashboard_url)
    try:
        eventually(lambda: api.status(job_id) == "RUNNING", 60)
        assert any(j.id == job_id and j.status == "RUNNING" for j in api.jobs())
        with pytest.raises(Refused, match="read-only"):
            Control(ray_cluster.dashboard_url, read_only=True).stop_job(job_id)
        assert api.status(job_id) == "RUNNING"
        assert "asked Ray to stop" in Control(ray_cluster.dashboard_url).stop_job(job_id)
        assert wait_finished(api, job_id, 60) == "STOPPED"
        with pytest.raises(Refused, match="does not exist"):
            Control(ray_cluster.dashboard_url).stop_job("raysubmit_nope")
    finally:
        api.close()


def test_raytui_logs_of_an_unknown_job_or_missing_log_is_one_line_exit_2(
        ray_cluster: RayConnection) -> None:
    node = ray.get_runtime_context().get_node_id()
    for args in (("--job", "raysubmit_nope"), ("--pid", "999999", "--node", node[:8])):
        done = run_raytui("logs", *args, "--address", ray_cluster.dashboard_url)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
        token = read_auth_token()
        assert token and token not in done.stderr + done.stdout
    assert "does not exist" in run_raytui("logs", "--job", "raysubmit_nope", "--address",
                                          ray_cluster.dashboard_url).stderr


@pytest.mark.parametrize("args", [("errors",), ("errors", "--json"), ("logs", "--job", "x"),
                                  ("logs", "--pid", "1", "--node", "abcd")])
def test_a_dashboard_that_refuses_is_one_line_exit_2(args: tuple[str, ...]) -> None:
    from tui.core.connection import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = run_raytui(*args, "--address", url, timeout=30)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert not done.stdout and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"cannot reach Ray at {url}: connection refused" in done.stderr
