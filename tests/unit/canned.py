"""Canned sources for the collector's unit tests: rows in the shapes the real sources
parse Ray's JSON into (tui/core/sources/*.py), with delays and failures on demand."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core.connection import ClusterAddress, RayConnection
from tui.core.model import Actor, ListInfo, Task
from tui.core.poll.sources import Sources
from tui.core.sources.dashboard import ClusterStatus, LogicalUsage, NodeStats, ProcessStats
from tui.core.sources.http import NoAnswer, Unreachable
from tui.core.sources.state_api import NodeRow, TaskCounts, WorkerRow

HEAD = "head" + "0" * 52


def node_id(index: int) -> str:
    return HEAD if index == 0 else f"node{index:04d}".ljust(56, "0")


@dataclass
class Cluster:
    """N nodes x M workers; node 0 is the head. Every call is counted by name."""

    nodes: int = 3
    workers_per_node: int = 2
    running: list[Task] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    dead: set[str] = field(default_factory=set)
    counts: TaskCounts = field(default_factory=lambda: TaskCounts({"FINISHED": 3}, ()))
    delay_s: dict[str, float] = field(default_factory=dict)  # call name -> seconds
    fail: dict[str, Exception] = field(default_factory=dict)  # call name -> error
    calls: Counter[str] = field(default_factory=Counter)
    node_calls: Counter[str] = field(default_factory=Counter)  # node id -> /nodes/{id}
    cpu: float = 50.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, name: str) -> None:
        with self.lock:
            self.calls[name] += 1
        if self.delay_s.get(name):
            time.sleep(self.delay_s[name])
        if name in self.fail:
            raise self.fail[name]

    def pid(self, node: int, worker: int) -> int:
        return 10_000 + node * 100 + worker

    def node_ids(self) -> list[str]:
        return [node_id(i) for i in range(self.nodes)]


class State:
    def __init__(self, cluster: Cluster) -> None:
        self.c = cluster

    def nodes(self) -> list[NodeRow]:
        self.c.ask("nodes")
        return [NodeRow(n, f"10.0.0.{i}", f"host{i}", i == 0,
                        "DEAD" if n in self.c.dead else "ALIVE", 16.0, 64 << 30, 8 << 30)
                for i, n in enumerate(self.c.node_ids())]

    def workers(self) -> tuple[list[WorkerRow], ListInfo]:
        self.c.ask("workers")
        rows = [WorkerRow(f"w{i}-{j}", self.c.pid(i, j), node_id(i), "WORKER", "")
                for i in range(self.c.nodes) for j in range(self.c.workers_per_node)]
        return rows, ListInfo(len(rows), len(rows))

    def actors(self) -> tuple[list[Actor], ListInfo]:
        self.c.ask("actors")
        return list(self.c.actors), ListInfo(len(self.c.actors), len(self.c.actors))

    def running_tasks(self) -> tuple[list[Task], ListInfo]:
        self.c.ask("running_tasks")
        return list(self.c.running), ListInfo(len(self.c.running), len(self.c.running))

    def task_counts(self, timeout_s: float | None = None) -> TaskCounts:
        self.c.ask("task_counts")
        return self.c.counts

    def failed_tasks(self, timeout_s: float | None = None) -> tuple[list[Task], ListInfo]:
        self.c.ask("failed_tasks")
        return [], ListInfo()


class Dashboard:
    def __init__(self, cluster: Cluster) -> None:
        self.c = cluster

    def node_stats(self) -> dict[str, NodeStats]:
        self.c.ask("node_stats")
        return {n: NodeStats(20.0, 1 << 30, 64 << 30, f"host{i}")
                for i, n in enumerate(self.c.node_ids())}

    def node_processes(self, node: str) -> dict[int, ProcessStats]:
        self.c.ask("node_processes")
        with self.c.lock:
            self.c.node_calls[node] += 1
        index = self.c.node_ids().index(node)
        return {self.c.pid(index, j): ProcessStats(self.c.cpu, 100 << 20, f"ray::w{j}")
                for j in range(self.c.workers_per_node)}

    def cluster_status(self) -> ClusterStatus:
        self.c.ask("cluster_status")
        return ClusterStatus({n: LogicalUsage(1.0, 16.0, 0, 8 << 30) for n in self.c.node_ids()},
                             0)


class Local:
    """psutil here: sees the head's workers, idle."""

    def __init__(self, cluster: Cluster) -> None:
        self.c = cluster

    def sample(self, pids: Iterable[int]) -> dict[int, ProcessStats]:
        head = {self.c.pid(0, j) for j in range(self.c.workers_per_node)}
        return {pid: ProcessStats(1.0, 50 << 20, "ray::IDLE") for pid in pids if pid in head}

    def keep_only(self, pids: Iterable[int]) -> None:
        pass

    def node_stats(self) -> NodeStats | None:
        return NodeStats(10.0, 2 << 30, 64 << 30)


def sources(cluster: Cluster) -> Sources:
    return Sources(State(cluster), Dashboard(cluster), Local(cluster))


def connection() -> RayConnection:
    conn = RayConnection(ClusterAddress("dashboard", "http://127.0.0.1:1"))
    conn.dashboard_url = "http://127.0.0.1:1"
    return conn


REFUSED = Unreachable("/api/v0/workers: dashboard unreachable (ConnectionError)")
TIMED_OUT = NoAnswer("/api/v0/workers: no answer within 5 s")
