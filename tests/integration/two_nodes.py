"""A two-node `ray.cluster_utils.Cluster` on this machine, in a helper process.

ray.cluster_utils does not work in a process that already drives another cluster (the
session cluster of a test run), so the cluster lives in a child Python running a
script: the head (with its dashboard) and a second node with the custom resource
"second", then the test's own body, then the cluster's shutdown and a last line "down".
The body calls `report(**fields)` once to hand the test the dashboard URL, both node ids,
Ray's daemon pids and its own fields (one JSON line), and then usually reads stdin: the
test closes it to end the cluster. The test process itself only speaks HTTP to the
dashboard, as raytui does with a node it cannot see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tests.conftest import REPO

START = """
import json, os, sys, time
from pathlib import Path
import ray
from ray.cluster_utils import Cluster
from tui.core.connection import free_port

cluster = Cluster(initialize_head=True, head_node_args={{
    "num_cpus": {head_cpus}, "num_gpus": {head_gpus}, "include_dashboard": True,
    "dashboard_host": "127.0.0.1", "dashboard_port": free_port()}})
try:
    second = cluster.add_node(num_cpus=1, resources={{"second": 1}})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)

    def report(**fields):
        pids = [info.process.pid for node in cluster.list_all_nodes()
                for infos in node.all_processes.values() for info in infos
                if info.process is not None]
        print(json.dumps({{"url": cluster.head_node.address_info["webui_url"],
                          "head": cluster.head_node.node_id, "second": second.node_id,
                          "pids": pids, **fields}}), flush=True)

"""
STOP = """
    ray.shutdown()
finally:
    cluster.shutdown()
print("down", flush=True)
"""


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                living.append(pid)
        except psutil.NoSuchProcess:
            pass
    return living


@dataclass
class TwoNodes:
    process: subprocess.Popen[str]
    log_path: Path
    info: dict[str, Any] = field(default_factory=dict)  # what `report` printed

    @property
    def url(self) -> str:
        url = str(self.info["url"])
        return url if "://" in url else f"http://{url}"

    @property
    def head(self) -> str:
        return str(self.info["head"])

    @property
    def second(self) -> str:
        return str(self.info["second"])

    def log_tail(self) -> str:
        return self.log_path.read_text()[-2000:]

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def said(self, word: str) -> bool:
        """Whether the helper prints this line (Ray's driver prints its own lines too)."""
        assert self.process.stdout is not None
        return any(line.strip() == word for line in self.process.stdout)

    def stop(self, timeout_s: float = 60) -> bool:
        """Close stdin (the body ends), wait for the cluster's shutdown: whether it said "down"."""
        if self.process.poll() is not None:
            return False
        out, _ = self.process.communicate(timeout=timeout_s)  # closes stdin first
        return "down" in (line.strip() for line in out.splitlines())

    def wait_daemons_gone(self, timeout_s: float = 20) -> list[int]:
        """Ray's daemons of this cluster still running after `timeout_s` (killed ones
        take a moment to exit)."""
        pids = list(self.info.get("pids", []))
        gone_by = time.monotonic() + timeout_s
        while alive(pids) and time.monotonic() < gone_by:
            time.sleep(0.5)
        return alive(pids)


def script(body: str, head_cpus: int = 1, head_gpus: int = 0) -> str:
    return (START.format(head_cpus=head_cpus, head_gpus=head_gpus)
            + textwrap.indent(textwrap.dedent(body), "    ") + STOP)


@contextmanager
def two_nodes(tmp_path: Path, body: str, *args: str, head_cpus: int = 1,
              head_gpus: int = 0) -> Iterator[TwoNodes]:
    """The cluster running `body` (see the module docstring), stopped on the way out:
    by closing its stdin, else by killing the helper and then any daemon it left."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    log_path = tmp_path / "cluster.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", script(body, head_cpus, head_gpus), *args], cwd=REPO,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        cluster = TwoNodes(process, log_path)
        try:
            assert process.stdout is not None
            line = next((ln for ln in process.stdout if ln.startswith('{"url"')), "")
            assert line, cluster.log_tail()
            cluster.info = json.loads(line)
            yield cluster
        finally:
            try:
                cluster.stop()
            except (subprocess.TimeoutExpired, OSError, ValueError):
                process.kill()
                process.wait(30)
            for pid in cluster.wait_daemons_gone():  # only if the helper died before its shutdown
                psutil.Process(pid).kill()
