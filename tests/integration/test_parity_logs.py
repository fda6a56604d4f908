"""Logs of a worker on the SECOND node of a ray.cluster_utils.Cluster, through the log view.

The cluster lives in a helper process (ray.cluster_utils cannot run in a process that
drives the session cluster); this test process only speaks HTTP to its dashboard, as
raytui does for a node it cannot see. A line printed after the view opened must show
(follow mode).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.app.parity_fakes import Host
from tests.app.test_keys import wait_for
from tests.conftest import REPO, run_raytui
from tui.core.sources.logs import LogSource, LogTarget, ProcessLogFeed
from tui.screens.log_view import LogViewScreen

TWO_NODES_PRINTING = """
import json, os, sys, time
from pathlib import Path
import ray
from ray.cluster_utils import Cluster
from tui.core.connection import free_port

folder = Path(sys.argv[1])
cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 1, "include_dashboard": True, "dashboard_host": "127.0.0.1",
    "dashboard_port": free_port()})
try:
    second = cluster.add_node(num_cpus=1, resources={"second": 1}).node_id
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)

    @ray.remote(num_cpus=1, resources={"second": 1})
    def print_on_second(folder):
        print("parity first line from the second node", flush=True)
        (folder / "pid").write_text(str(os.getpid()))
        while not (folder / "go").exists():
            time.sleep(0.1)
        print("parity line printed after the view opened", flush=True)
        time.sleep(600)

    ref = print_on_second.remote(folder)
    while not (folder / "pid").exists():
        time.sleep(0.1)
    print(json.dumps({"url": cluster.head_node.address_info["webui_url"], "second": second,
                      "pid": int((folder / "pid").read_text()),
                      "task": ref.task_id().hex()}), flush=True)
    sys.stdin.read()
    ray.cancel(ref, force=True)
    ray.shutdown()
finally:
    cluster.shutdown()
"""


async def test_second_node_worker_log_shows_in_the_log_view_and_follows(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    helper = subprocess.Popen([sys.executable, "-c", TWO_NODES_PRINTING, str(tmp_path)],
                              cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=(tmp_path / "cluster.log").open("w"), text=True)
    try:
        info = json.loads(helper.stdout.readline())  # type: ignore[union-attr]
        url = info["url"] if "://" in info["url"] else "http://" + info["url"]
        source = LogSource(url)
        feed = ProcessLogFeed(source, LogTarget(node_id=info["second"], pid=info["pid"]))
        app = Host()
        async with app.run_test(size=(100, 30)) as pilot:
            screen = LogViewScreen(feed)
            app.push_screen(screen)
            await wait_for(pilot, lambda: screen.is_mounted)
            await wait_for(pilot, lambda: any("parity first line from the second node" in line
                                              for line in screen.log_widget.lines), 60)
            assert not any("after the view opened" in line for line in screen.log_widget.lines)
            (tmp_path / "go").write_text("")
            await wait_for(pilot, lambda: any("parity line printed after the view opened" in
                                              line for line in screen.log_widget.lines), 60)
            assert screen.follow and screen.log_widget.is_vertical_scroll_end
            await pilot.press("escape")
            await pilot.pause()
        source.close()

        done = run_raytui("logs", "--task", info["task"], "--address", url)
        assert done.returncode == 0, done.stderr
        assert "parity first line from the second node" in done.stdout
        done = run_raytui("logs", "--pid", str(info["pid"]), "--node", info["second"][:8],
                          "--tail", "1", "--address", url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "parity line printed after the view opened"
    finally:
        helper.stdin.close()  # type: ignore[union-attr]
        helper.wait(120)
