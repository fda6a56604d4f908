"""Helper run in its own process by test_gsod_two_nodes.py: a two-node cluster on this
machine (`ray.cluster_utils.Cluster`), head with no CPUs, so the GSOD actors must run on
the other node; then `raytui run gsod` through the head's dashboard, as a job.

Its own process because Cluster.shutdown() resets Ray's global state, which would break
the test session's cluster. Prints the CLI's exit code, stdout and stderr as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tui.core.connection import enable_token_mode, free_port


def main(data_dir: str) -> int:
    enable_token_mode()
    from ray.cluster_utils import Cluster

    dashboard_port = free_port()
    cluster = Cluster(initialize_head=True, connect=False, shutdown_at_exit=True, head_node_args={
        "num_cpus": 0, "include_dashboard": True, "dashboard_host": "127.0.0.1",
        "dashboard_port": dashboard_port, "dashboard_agent_listen_port": free_port()})
    head = cluster.head_node
    assert head is not None  # initialize_head=True started it
    try:
        cluster.add_node(num_cpus=2, dashboard_agent_listen_port=free_port())
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        raytui = str(Path(sys.executable).parent / "raytui")
        done = subprocess.run(
            [raytui, "run", "gsod", "--address", f"http://127.0.0.1:{dashboard_port}",
             "--data-dir", data_dir, "--json"],
            capture_output=True, text=True, timeout=240, env=env)
        print(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                          "stderr": done.stderr, "head_node_id": head.node_id,
                          "session_dir": head.get_session_dir_path()}))
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
