"""A busy worker's stack on the session cluster: py-spy on this machine, clear lines otherwise."""

from __future__ import annotations

import subprocess
import time

import ray
from ray.util.state import list_tasks
from textual.widgets import Static

from tests.app.parity_fakes import Host
from tests.app.test_keys import wait_for
from tui.core.connection import RayConnection
from tui.core.sources.http import DashboardHttp
from tui.core.sources.stacks import ENABLE_HINT, py_spy_dump, stack_of
from tui.screens.stack import StackScreen


@ray.remote(max_retries=0)
def parity_busy_loop(seconds: float) -> int:
    end = time.time() + seconds
    total = 0
    while time.time() < end:
        total += 1
    return total


def running_pid(cluster: RayConnection, name: str) -> tuple[int, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = list_tasks(address=cluster.gcs_address, filters=[("name", "=", name),
                                                                ("state", "=", "RUNNING")],
                          raise_on_missing_output=False)
        if rows and rows[0].worker_pid:
            return int(rows[0].worker_pid), str(rows[0].node_id)
        time.sleep(0.3)
    raise AssertionError(f"{name} never ran")


async def test_stack_of_a_busy_worker_names_the_running_function_via_py_spy(
        ray_cluster: RayConnection) -> None:
    ref = parity_busy_loop.remote(60)
    http = DashboardHttp(ray_cluster.dashboard_url)
    try:
        pid, node = running_pid(ray_cluster, "parity_busy_loop")
        app = Host()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = StackScreen(f"stack of pid {pid}", lambda: stack_of(http, pid, node, True),
                                 "parity_busy_loop")
            app.push_screen(screen)
            await wait_for(pilot, lambda: screen.result is not None, 30)
            await pilot.pause()
            assert screen.result is not None and screen.result.ok, screen.result
            assert screen.result.via == "py-spy"  # the session head has profiling off
            body = screen.query_one("#stack-body", Static).render()
            marked = [str(body)[s.start:s.end] for s in body.spans  # type: ignore[attr-defined]
                      if "yellow" in str(s.style)]
            assert marked and all("parity_busy_loop" in line for line in marked)
    finally:
        ray.cancel(ref, force=True)
        http.close()


def test_stack_says_clearly_when_py_spy_cannot_attach_to_a_non_python_process() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        result = py_spy_dump(sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not result.ok
    assert result.error.startswith(f"py-spy cannot attach to pid {sleeper.pid}: ")
    assert "\n" not in result.error and len(result.error) < 200


def test_stack_of_a_process_elsewhere_without_profiling_says_what_to_enable(
        ray_cluster: RayConnection) -> None:
    http = DashboardHttp(ray_cluster.dashboard_url)
    try:
        result = stack_of(http, 12345, "f" * 56, local=False)
    finally:
        http.close()
    assert result.error == ENABLE_HINT
    assert "RAY_DASHBOARD_ENABLE_PROFILING=1" in result.error
