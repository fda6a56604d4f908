"""Logs of a worker on the SECOND node of a ray.cluster_utils.Cluster, through the log view.

The cluster lives in a helper process (ray.cluster_utils cannot run in a process that
drives the session cluster); this test process only speaks HTTP to its dashboard, as
raytui does for a node it cannot see. A line printed after the view opened must show
(follow mode).
"""

from __future__ import annotations

from pathlib import Path

from tests.app.parity_fakes import Host
from tests.app.test_keys import wait_for
from tests.conftest import run_raytui
from tests.integration.two_nodes import two_nodes
from tui.core.sources.logs import LogSource, LogTarget, ProcessLogFeed
from tui.screens.log_view import LogViewScreen

PRINTING_ON_SECOND = """
folder = Path(sys.argv[1])

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
report(pid=int((folder / "pid").read_text()), task=ref.task_id().hex())
sys.stdin.read()
ray.cancel(ref, force=True)
"""


async def test_second_node_worker_log_shows_in_the_log_view_and_follows(tmp_path: Path) -> None:
    with two_nodes(tmp_path, PRINTING_ON_SECOND, str(tmp_path)) as cluster:
        pid, url = int(cluster.info["pid"]), cluster.url
        source = LogSource(url)
        feed = ProcessLogFeed(source, LogTarget(node_id=cluster.second, pid=pid))
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

        done = run_raytui("logs", "--task", str(cluster.info["task"]), "--address", url)
        assert done.returncode == 0, done.stderr
        assert "parity first line from the second node" in done.stdout
        done = run_raytui("logs", "--pid", str(pid), "--node", cluster.second[:8],
                          "--tail", "1", "--address", url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "parity line printed after the view opened"
