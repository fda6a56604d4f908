"""A busy worker's stack: py-spy on this machine (the session cluster), the dashboard's
/worker/traceback on a head started with profiling on (its own), clear lines otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import ray
from ray.util.state import list_tasks
from textual.content import Content
from textual.widgets import Static

from tests.app.parity_fakes import Host
from tests.app.test_keys import wait_for
from tests.faults.cluster import RayHead
from tui.app import RaytuiApp
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.control import ClusterLink
from tui.core.sources.http import DashboardHttp
from tui.core.sources.stacks import ENABLE_HINT, highlighted_lines, py_spy_dump, stack_of
from tui.panels.keyed_table import KeyedTable
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
            assert isinstance(body, Content)  # Textual keeps the Text's spans
            marked = [body.plain[s.start:s.end] for s in body.spans if "yellow" in str(s.style)]
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


BUSY_DRIVER = """
import json, os, sys, time
import ray
ray.init(address=sys.argv[1], log_to_driver=False)

@ray.remote(max_retries=0)
def profiled_busy_loop(seconds):
    print(json.dumps({"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id()}),
          flush=True)
    end = time.time() + seconds
    while time.time() < end:
        pass

ref = profiled_busy_loop.remote(120)
sys.stdin.read()
ray.cancel(ref, force=True)
"""


async def test_t_with_profiling_on_shows_the_stack_through_the_dashboard() -> None:
    """Its own head, started with RAY_DASHBOARD_ENABLE_PROFILING=1: the app attached by
    the dashboard's URL asks /worker/traceback (not py-spy here) for a busy worker."""
    # Ray's agent finds py-spy on its PATH only (shutil.which): as when Ray is started
    # from the environment ray[default] was installed into
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with RayHead(env={"RAY_DASHBOARD_ENABLE_PROFILING": "1", "PATH": path}) as head:
        driver = subprocess.Popen([sys.executable, "-c", BUSY_DRIVER, head.gcs_address],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "RAY_AUTH_MODE": "token"})
        try:
            connection = RayConnection(ClusterAddress("dashboard", head.dashboard_url))
            connection.dashboard_url = head.dashboard_url
            link = ClusterLink(head.dashboard_url)
            app = RaytuiApp(open_source=lambda stop: Collector(connection),
                            address_label=head.dashboard_url, interval_s=0.5,
                            cluster_link=lambda: link)
            async with app.run_test(size=(120, 40)) as pilot:
                def busy_key() -> str | None:
                    snapshot = app.latest
                    return next((f"{w.node_id}:{w.pid}" for w in (snapshot.workers if snapshot
                                                                   else ())
                                 if w.running_task
                                 and w.running_task.name == "profiled_busy_loop"), None)

                await wait_for(pilot, lambda: busy_key() is not None, 60)
                node, pid = (busy_key() or ":").split(":")
                http = DashboardHttp(head.dashboard_url)
                try:  # the dashboard's own answer first: its error is clearer than the app's
                    direct = stack_of(http, int(pid), node, local=False)
                finally:
                    http.close()
                assert direct.ok and direct.via == "dashboard", direct
                table = app.query_one("#workers-table", KeyedTable)
                await wait_for(pilot, lambda: busy_key() in [str(r.key.value) for r in
                                                             table.ordered_rows], 30)
                table.move_cursor(row=table.get_row_index(busy_key() or ""), animate=False)
                await pilot.press("t")
                await wait_for(pilot, lambda: isinstance(app.screen, StackScreen))
                screen = app.screen
                assert isinstance(screen, StackScreen)
                await wait_for(pilot, lambda: screen.result is not None, 60)
                result = screen.result
                assert result is not None and result.ok, result
                assert result.via == "dashboard"
                assert highlighted_lines(result.text, "profiled_busy_loop")
                assert screen.function == "profiled_busy_loop"
        finally:
            driver.stdin.close()  # type: ignore[union-attr]
            driver.wait(60)


def test_stack_of_a_process_that_ended_says_so_in_one_line() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    result = py_spy_dump(ended.pid)
    assert not result.ok
    assert result.error == f"py-spy cannot attach to pid {ended.pid}: the process has ended"
