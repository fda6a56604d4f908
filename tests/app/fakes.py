"""Deterministic stand-ins for the collector and the job launcher (UI tests only).

The real ones are exercised by the e2e test and the integration tests; these exist so
screenshots and key tests do not depend on a live cluster's timing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from textual.app import App
from textual.widgets import Static

from tui.app import RaytuiApp
from tui.core.history import History
from tui.core.model import (
    Actor,
    ClusterSummary,
    Flag,
    ListInfo,
    Node,
    Snapshot,
    Status,
    Task,
    TaskGroup,
    TaskRef,
    TaskSummary,
    Worker,
    WorkerKey,
)
from tui.launch.jobs import JobState

GiB = 1024**3
HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
T0 = 1_700_000_000.0

UNEVEN_EXPLANATION = (
    "One worker did almost all of the work while other workers and CPUs were free. "
    "This is what happens when the driver calls ray.get() inside the loop that submits "
    "the tasks: each task must finish before the next one is submitted."
)


def make_snapshot(time: float = T0, busy: dict[int, float] | None = None,
                  flags: Sequence[Flag] | None = None) -> Snapshot:
    """A one-node cluster with four workers, a driver, two actors and some tasks."""
    cpu = {1001: 98.0, 1002: 3.0, 1003: 0.0, 1004: 55.0} if busy is None else busy
    running = {1001: TaskRef("t-fib-1", "fibonacci_distributed"),
               1004: TaskRef("t-act-1", "GSODActor.compare", "actor-1")}
    workers = [Worker(pid, HEAD, f"w{pid}", "WORKER",
                      "ray::fibonacci_distributed" if pid in running else "ray::IDLE",
                      cpu.get(pid, 0.0), (200 + pid % 10 * 50) * 1024**2, "psutil",
                      running.get(pid), "actor-1" if pid == 1004 else None,
                      uss_bytes=(120 + pid % 10 * 40) * 1024**2)  # psutil reads USS locally
               for pid in (1001, 1002, 1003, 1004)]
    workers.append(Worker(999, HEAD, "drv", "DRIVER", "python -m workloads.fibonacci", 12.0,
                          150 * 1024**2, "psutil"))
    default_flags = (Flag("uneven", "warning",
                          "worker 1001 did 95% of the busy time of 4 workers",
                          UNEVEN_EXPLANATION, workers=(WorkerKey(HEAD, 1001),)),)
    tasks = TaskSummary(
        by_state={"RUNNING": 2, "FINISHED": 14, "FAILED": 1, "PENDING_NODE_ASSIGNMENT": 3},
        by_function=(TaskGroup("fibonacci_distributed",
                               {"RUNNING": 1, "FINISHED": 14, "PENDING_NODE_ASSIGNMENT": 3}),
                     TaskGroup("GSODActor.compare", {"RUNNING": 1}),
                     TaskGroup("broken_task", {"FAILED": 1})),
        running=(Task("t-fib-1", "fibonacci_distributed", "RUNNING", HEAD, 1001),
                 Task("t-act-1", "GSODActor.compare", "RUNNING", HEAD, 1004, "actor-1")),
        failed=(Task("t-bad-1", "broken_task", "FAILED", HEAD, 1002, None, "ValueError",
                     "size must be positive"),),
        running_list=ListInfo(2, 2), failed_list=ListInfo(1, 1),
    )
    actors = (Actor("actor-1", "GSODActor", "ALIVE", "gsod-1980", 1004, HEAD, 0, None, 55.0,
                    300 * 1024**2),
              Actor("actor-2", "GSODActor", "DEAD", "gsod-2020", None, HEAD, 1,
                    "the actor died because its worker process exited"))
    return Snapshot(
        time=time,
        status=Status(True, "127.0.0.1:6379", (), 12.0),
        cluster=ClusterSummary(1, 1, 2.0, 2.0, 61.0, 6 * GiB, 16 * GiB, 0, 2 * GiB),
        nodes=(Node(HEAD, "127.0.0.1", "head", True, "ALIVE", 2.0, 2.0, 61.0, 6 * GiB,
                    16 * GiB, 0, 2 * GiB),),
        workers=tuple(workers),
        tasks=tasks,
        actors=actors,
        flags=default_flags if flags is None else tuple(flags),
        workers_list=ListInfo(5, 5),
        actors_list=ListInfo(2, 2),
    )


class FakeSource:
    """Returns scripted snapshots in order, then repeats the last; counts polls."""

    def __init__(self, snapshots: Sequence[Snapshot]) -> None:
        self._snapshots = list(snapshots)
        self.polls = 0
        self.closed = False
        self.lock = threading.Lock()
        self.history = History()  # filled at each poll, as the collector does

    def push(self, snapshot: Snapshot) -> None:
        with self.lock:
            self._snapshots.append(snapshot)

    def poll_once(self) -> Snapshot:
        with self.lock:
            index = min(self.polls, len(self._snapshots) - 1)
            self.polls += 1
            snapshot = self._snapshots[index]
        self.history.add(snapshot)
        return snapshot

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeLauncher:
    """Plays a scripted job: (status, output) steps; `submitted` records launches."""

    steps: list[tuple[str, str]] = field(default_factory=lambda: [
        ("RUNNING", "starting\n"),
        ("SUCCEEDED", '{"size": 10, "count": 2, "pattern": "parallel", '
                      '"return_sequence": false, "local_s": 0.5, "remote_s": 0.25, '
                      '"speedup": 2.0}\n')])
    submitted: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        self.submitted.append((module, tuple(args)))
        return f"raysubmit_{len(self.submitted)}"

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        for status, text in self.steps:
            yield JobState(job_id, status, "job failed" if status == "FAILED" else ""), text

    def stop(self, job_id: str) -> None:
        pass


def make_app(source: FakeSource | None = None, launcher: FakeLauncher | None = None,
             interval_s: float = 3600.0) -> RaytuiApp:
    """The app over a fake source; a long interval means one poll unless woken."""
    fake = source or FakeSource([make_snapshot()])
    return RaytuiApp(open_source=lambda stop: fake, address_label="127.0.0.1:6379",
                     interval_s=interval_s,
                     make_launcher=(lambda: launcher) if launcher is not None else None,
                     cluster_cpus=lambda: 2)


def screen_text(app: App[Any], selector: str) -> str:
    """The text of a Static on the screen on top (a modal's title or body)."""
    return str(app.screen.query_one(selector, Static).render())


def with_cpu(snapshot: Snapshot, pid: int, cpu: float) -> Snapshot:
    workers = tuple(replace(w, cpu_percent=cpu) if w.pid == pid else w
                    for w in snapshot.workers)
    return replace(snapshot, workers=workers)


def node_id_of(index: int) -> str:
    return f"{index:04d}" + "ab" * 14  # 32 hex-like characters, sorted by index


def cluster_snapshot(nodes: int, per_node: int, tick: int = 0, *,
                     gpus_per_node: int = 0) -> Snapshot:
    """`nodes` x `per_node` workers whose CPU figures move every tick, as a live one's do.

    Worker i on node n has pid 10_000 + n * per_node + i; every third is idle. The head
    (node 0) is sampled with psutil, the others' figures come from the dashboard, 3 s old.
    """
    base = make_snapshot(time=T0 + tick, flags=())
    node_rows = tuple(
        Node(node_id_of(n), f"10.0.{n // 256}.{n % 256}", f"host{n}", n == 0, "ALIVE",
             16.0, 8.0, float((n * 5 + tick * 3) % 100), 20 * GiB, 64 * GiB,
             gpus_total=float(gpus_per_node))
        for n in range(nodes))
    workers = []
    for n in range(nodes):
        for i in range(per_node):
            index = n * per_node + i
            remote = n > 0
            workers.append(Worker(
                10_000 + index, node_id_of(n), f"w{index}", "WORKER",
                "ray::IDLE" if i % 3 == 0 else "ray::crunch",
                float((index * 7 + tick * 13) % 100), (100 + index % 50) * 1024**2,
                "dashboard" if remote else "psutil",
                None if i % 3 == 0 else TaskRef(f"t{index}", "crunch"),
                figures_age_s=3.0 if remote else 0.0,
                gpus_allocated=1.0 if gpus_per_node and i == 1 else 0.0))
    return replace(base, nodes=node_rows, workers=tuple(workers),
                   cluster=replace(base.cluster, nodes_alive=nodes, nodes_total=nodes),
                   workers_list=ListInfo(len(workers), len(workers)))
