"""Sources -> one Snapshot per call. `poll_once` never raises.

One poll asks the state API and the dashboard in parallel (a thread pool, each
request bounded by `timeout_s`), samples this machine's workers with psutil, asks
the dashboard for the processes of the other nodes, joins everything by
(node_id, pid), and runs the detectors over its own History. A source that fails
or is slow leaves its part empty and adds one line to `status.errors`;
`status.connected` is false when the cluster's node list could not be read.

The monitor's own driver (this process, when it attached with `ray.init`) is left
out of `workers`: it is not doing the cluster's work. Other drivers (e.g. a job's
driver) stay in, with worker_type "DRIVER", and the detectors ignore them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_for
from typing import Any, Generic, Protocol, TypeVar

import psutil

from tui.core.connection import RayConnection
from tui.core.detect import DEFAULT_PARAMS, DetectParams, detect
from tui.core.history import History
from tui.core.model import (
    Actor,
    ClusterSummary,
    ListInfo,
    Node,
    Snapshot,
    Status,
    Task,
    TaskRef,
    TaskSummary,
    Worker,
)
from tui.core.sources.dashboard import (
    ClusterStatus,
    DashboardSource,
    LogicalUsage,
    NodeStats,
    ProcessStats,
)
from tui.core.sources.http import DashboardHttp
from tui.core.sources.local_psutil import LocalProcessSampler
from tui.core.sources.state_api import NodeRow, StateApiSource, WorkerRow

T = TypeVar("T")


class SnapshotSource(Protocol):
    """What the app polls: the live Collector, or a fake / replay source."""

    def poll_once(self) -> Snapshot: ...

    def close(self) -> None: ...


class Collector:
    def __init__(
        self,
        connection: RayConnection,
        *,
        timeout_s: float = 5.0,
        detect_params: DetectParams = DEFAULT_PARAMS,
        psutil_node_ids: Collection[str] | None = None,
        history: History | None = None,
    ) -> None:
        """`psutil_node_ids`: nodes whose workers are sampled with psutil here; by
        default the node this machine runs (found by the driver's node or by IP).
        Pass an empty set to read every node through the dashboard."""
        self.connection = connection
        self.timeout_s = timeout_s
        self.detect_params = detect_params
        self.history = history if history is not None else History()
        self._psutil_node_ids = None if psutil_node_ids is None else frozenset(psutil_node_ids)
        self._http = DashboardHttp(connection.dashboard_url, timeout_s) if connection.dashboard_url else None
        self._state = StateApiSource(self._http) if self._http else None
        self._dashboard = DashboardSource(self._http) if self._http else None
        self._sampler = LocalProcessSampler()
        self._pool = ThreadPoolExecutor(max_workers=12, thread_name_prefix="raytui-collector")
        # Slow calls whose cost grows with the number of tasks the cluster holds: served
        # from the latest answer (see BackgroundRefresh). Ray's state server answers one
        # request at a time, so every call kept off the poll shortens it.
        self._task_counts = (BackgroundRefresh(self._pool, self._state.task_counts, timeout_s)
                             if self._state else None)
        self._failed_tasks = (BackgroundRefresh(self._pool, self._state.failed_tasks, timeout_s,
                                                name="failed tasks")
                              if self._state else None)
        self._own_pid = os.getpid()
        self._local_pids: tuple[int, ...] = ()
        self._local_ips = _local_ips()

    # --- the poll ---------------------------------------------------------

    def poll_once(self) -> Snapshot:
        started = time.perf_counter()
        try:
            snapshot = self._collect()
        except Exception as err:  # a bug in a join must not kill the monitor's loop
            snapshot = Snapshot(time=time.time(), status=Status(
                connected=False, address=self._address(),
                errors=(f"collector: {type(err).__name__}: {err}",)))
        snapshot = dataclasses.replace(snapshot, status=dataclasses.replace(
            snapshot.status, poll_ms=(time.perf_counter() - started) * 1000))
        self.history.add(snapshot)
        try:
            flags = tuple(detect(self.history, self.detect_params))
        except Exception as err:
            flags = ()
            snapshot = dataclasses.replace(snapshot, status=dataclasses.replace(
                snapshot.status, errors=(*snapshot.status.errors, f"detect: {err}")))
        return dataclasses.replace(snapshot, flags=flags)

    def _collect(self) -> Snapshot:
        now = time.time()
        if self._state is None or self._dashboard is None:
            return Snapshot(time=now, status=Status(
                connected=False, address=self._address(),
                errors=("no dashboard URL for this cluster: start Ray with the dashboard",)))
        errors: list[str] = []
        state, dashboard = self._state, self._dashboard
        known_local_pids = self._local_pids
        for slow in (self._task_counts, self._failed_tasks):
            if slow is not None:
                slow.start_if_due()  # runs alongside the fast calls below
        results = self._run_all({
            # last poll's local workers, sampled while the HTTP calls are in flight
            "local processes": functools.partial(self._sampler.sample, known_local_pids),
            "nodes": state.nodes,
            "workers": state.workers,
            "actors": state.actors,
            "running tasks": state.running_tasks,
            "node stats": dashboard.node_stats,
            "cluster status": dashboard.cluster_status,
        }, errors)
        local_stats = self._sampler.node_stats()
        node_rows: list[NodeRow] | None = results.get("nodes")
        if node_rows is None:
            return Snapshot(time=now, status=Status(False, self._address(), tuple(errors)))

        worker_rows, workers_list = results.get("workers") or ([], ListInfo())
        actors, actors_list = results.get("actors") or ([], ListInfo())
        assert self._task_counts is not None
        counts, counts_age = self._task_counts.latest(errors)
        running: list[Task] = results.get("running tasks") or []
        assert self._failed_tasks is not None
        failed: list[Task] = self._failed_tasks.latest(errors)[0] or []
        node_stats: dict[str, NodeStats] = results.get("node stats") or {}
        cluster_status: ClusterStatus | None = results.get("cluster status")
        usage = cluster_status.usage_by_node if cluster_status else {}

        local_nodes = self._local_node_ids(node_rows)
        process_stats, sources = self._process_stats(
            worker_rows, local_nodes, results.get("local processes") or {}, errors)
        workers = self._workers(worker_rows, running, actors, process_stats, sources, local_nodes)
        nodes = tuple(_node(row, node_stats.get(row.node_id), usage.get(row.node_id),
                            local_stats if row.node_id in local_nodes else None)
                      for row in node_rows)
        by_state = counts.by_state if counts else {}
        tasks = TaskSummary(
            by_state=by_state,
            by_function=counts.by_function if counts else (),
            running=tuple(running),
            failed=tuple(failed),
            running_list=ListInfo(max(by_state.get("RUNNING", 0), len(running)), len(running)),
            failed_list=ListInfo(max(by_state.get("FAILED", 0), len(failed)), len(failed)),
            counts_age_s=counts_age,
        )
        return Snapshot(
            time=now,
            status=Status(connected=True, address=self._address(), errors=tuple(errors)),
            cluster=_cluster(nodes),
            nodes=nodes,
            workers=workers,
            tasks=tasks,
            actors=tuple(_actor_with_stats(a, process_stats) for a in actors),
            workers_list=workers_list,
            actors_list=actors_list,
        )

    def _run_all(self, calls: dict[str, Callable[[], Any]], errors: list[str]) -> dict[str, Any]:
        """Run the calls in parallel; a failure or a late answer becomes an error line."""
        futures: dict[str, Future[Any]] = {name: self._pool.submit(fn) for name, fn in calls.items()}
        deadline = time.monotonic() + self.timeout_s + 0.5
        results: dict[str, Any] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                future.cancel()
                errors.append(f"{name}: no answer within {self.timeout_s:g} s")
            except Exception as err:
                errors.append(f"{name}: {_one_line(err)}")
        return results

    # --- per-worker CPU ---------------------------------------------------

    def _process_stats(
        self, rows: list[WorkerRow], local_nodes: frozenset[str],
        sampled: dict[int, ProcessStats], errors: list[str],
    ) -> tuple[dict[tuple[str, int], ProcessStats], dict[tuple[str, int], str]]:
        """CPU/memory per (node_id, pid): psutil here, the dashboard elsewhere."""
        stats: dict[tuple[str, int], ProcessStats] = {}
        sources: dict[tuple[str, int], str] = {}
        local_pids = [r.pid for r in rows if r.node_id in local_nodes]
        wanted = set(local_pids)
        sampled = {pid: stat for pid, stat in sampled.items() if pid in wanted}
        sampled.update(self._sampler.sample(pid for pid in local_pids if pid not in sampled))
        self._sampler.keep_only(local_pids)
        self._local_pids = tuple(local_pids)
        remote_nodes = set()
        for row in rows:
            key = (row.node_id, row.pid)
            if row.node_id in local_nodes and row.pid in sampled:
                stats[key], sources[key] = sampled[row.pid], "psutil"
            else:
                remote_nodes.add(row.node_id)  # includes local pids psutil cannot see
        assert self._dashboard is not None
        dashboard = self._dashboard
        calls: dict[str, Callable[[], Any]] = {
            f"node {node_id[:8]} processes": functools.partial(dashboard.node_processes, node_id)
            for node_id in sorted(remote_nodes)}
        results = self._run_all(calls, errors)
        for node_id in remote_nodes:
            processes = results.get(f"node {node_id[:8]} processes") or {}
            for row in rows:
                key = (row.node_id, row.pid)
                if row.node_id == node_id and key not in stats and row.pid in processes:
                    stats[key], sources[key] = processes[row.pid], "dashboard"
        return stats, sources

    def _workers(
        self,
        rows: list[WorkerRow],
        running: list[Task],
        actors: list[Actor],
        stats: dict[tuple[str, int], ProcessStats],
        sources: dict[tuple[str, int], str],
        local_nodes: frozenset[str],
    ) -> tuple[Worker, ...]:
        task_by_worker = {(t.node_id, t.worker_pid): t for t in running if t.worker_pid}
        actor_by_worker = {(a.node_id, a.pid): a.actor_id for a in actors
                           if a.pid and a.state == "ALIVE"}
        workers = []
        for row in rows:
            if row.pid == self._own_pid and row.node_id in local_nodes:
                continue  # the monitor itself (see the module docstring)
            key = (row.node_id, row.pid)
            stat = stats.get(key)
            task = task_by_worker.get(key)
            workers.append(Worker(
                pid=row.pid,
                node_id=row.node_id,
                worker_id=row.worker_id,
                worker_type=row.worker_type,
                title=stat.title if stat else "",
                cpu_percent=stat.cpu_percent if stat else 0.0,
                rss_bytes=stat.rss_bytes if stat else 0,
                cpu_source="psutil" if sources.get(key) == "psutil"
                else "dashboard" if sources.get(key) == "dashboard" else "none",
                running_task=TaskRef(task.task_id, task.name, task.actor_id) if task else None,
                actor_id=actor_by_worker.get(key),
            ))
        workers.sort(key=lambda w: (w.node_id, w.pid))
        return tuple(workers)

    def _local_node_ids(self, rows: list[NodeRow]) -> frozenset[str]:
        if self._psutil_node_ids is not None:
            return self._psutil_node_ids
        here = [r for r in rows if r.ip in self._local_ips and r.state == "ALIVE"]
        driver_node = _driver_node_id()
        if driver_node and any(r.node_id == driver_node for r in here):
            return frozenset({driver_node})
        # Several nodes on this host (ray.cluster_utils): psutil for one, the head if here.
        here.sort(key=lambda r: (not r.is_head, r.node_id))
        return frozenset({here[0].node_id}) if here else frozenset()

    def _address(self) -> str:
        try:
            return self.connection.describe()
        except Exception:
            return ""

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BackgroundRefresh(Generic[T]):
    """A slow call kept off the poll's critical path: each poll takes the latest answer.

    Ray's task summary reads every task the GCS holds: about 3-4 s for 10,000 tasks on
    this 2-core machine, a few ms for a classroom workload, and Ray's state server
    answers nothing else meanwhile. Refreshes are spaced by five times the last
    call's duration (at least `min_period_s`), so a slow summary keeps that server
    busy at most a fifth of the time. The first poll waits for
    the first answer (up to the timeout) so it never starts without counts.
    """

    def __init__(self, pool: ThreadPoolExecutor, call: Callable[[], T],
                 timeout_s: float, min_period_s: float = 0.5, name: str = "task summary",
                 ) -> None:
        self._pool = pool
        self._call = call
        self._timeout_s = timeout_s
        self._min_period_s = min_period_s
        self._name = name
        self._future: Future[tuple[T, float]] | None = None
        self._started = 0.0
        self._period_s = min_period_s
        self._value: T | None = None
        self._value_time = 0.0  # monotonic time the value was asked for

    def _timed_call(self) -> tuple[T, float]:
        started = time.perf_counter()
        value = self._call()
        return value, time.perf_counter() - started

    def start_if_due(self) -> None:
        """Start a refresh if none is running and the spacing has passed."""
        now = time.monotonic()
        if self._future is None and now - self._started >= self._period_s:
            self._started = now
            self._future = self._pool.submit(self._timed_call)

    def latest(self, errors: list[str]) -> tuple[T | None, float]:
        """The newest value and its age in seconds; failures are added to `errors`."""
        self.start_if_due()
        future = self._future
        if future is not None and self._value is None and not future.done():
            wait_for([future], timeout=self._timeout_s)  # nothing to show yet: wait
        if future is not None and future.done():
            self._future = None
            try:
                self._value, duration = future.result()
                self._value_time = self._started
                self._period_s = max(self._min_period_s, 5 * duration)
            except Exception as err:
                errors.append(f"{self._name}: {_one_line(err)}")
        elif future is not None and time.monotonic() - self._started >= self._timeout_s:
            waited = time.monotonic() - self._started
            errors.append(f"{self._name}: no answer within {waited:.0f} s (still waiting)")
        if self._value is None:
            return None, 0.0
        return self._value, max(0.0, time.monotonic() - self._value_time)


# --- joins -------------------------------------------------------------------


def _node(row: NodeRow, stats: NodeStats | None, usage: LogicalUsage | None,
          local: NodeStats | None) -> Node:
    measured = local or stats  # psutil is fresh; the dashboard lags up to ~5 s
    return Node(
        node_id=row.node_id,
        ip=row.ip,
        hostname=(stats.hostname if stats and stats.hostname else row.hostname),
        is_head=row.is_head,
        state=row.state,
        cpus_total=usage.cpus_total if usage and usage.cpus_total else row.cpus_total,
        cpus_used=usage.cpus_used if usage else 0.0,
        cpu_percent=measured.cpu_percent if measured else 0.0,
        memory_used_bytes=measured.memory_used_bytes if measured else 0,
        memory_total_bytes=measured.memory_total_bytes if measured else row.memory_total_bytes,
        object_store_used_bytes=usage.object_store_used_bytes if usage else 0,
        object_store_total_bytes=(usage.object_store_total_bytes if usage
                                  else row.object_store_total_bytes),
    )


def _cluster(nodes: tuple[Node, ...]) -> ClusterSummary:
    alive = [n for n in nodes if n.state == "ALIVE"]
    return ClusterSummary(
        nodes_alive=len(alive),
        nodes_total=len(nodes),
        cpus_total=sum(n.cpus_total for n in alive),
        cpus_used=sum(n.cpus_used for n in alive),
        cpu_percent=sum(n.cpu_percent for n in alive) / len(alive) if alive else 0.0,
        memory_used_bytes=sum(n.memory_used_bytes for n in alive),
        memory_total_bytes=sum(n.memory_total_bytes for n in alive),
        object_store_used_bytes=sum(n.object_store_used_bytes for n in alive),
        object_store_total_bytes=sum(n.object_store_total_bytes for n in alive),
    )


def _actor_with_stats(actor: Actor, stats: dict[tuple[str, int], ProcessStats]) -> Actor:
    stat = stats.get((actor.node_id or "", actor.pid or 0)) if actor.state == "ALIVE" else None
    if stat is None:
        return actor
    return dataclasses.replace(actor, cpu_percent=stat.cpu_percent, rss_bytes=stat.rss_bytes)


def _driver_node_id() -> str | None:
    """The node this process's Ray driver runs on, if it is one (never imports Ray)."""
    ray = sys.modules.get("ray")
    try:
        if ray is not None and ray.is_initialized():
            return str(ray.get_runtime_context().get_node_id())
    except Exception:
        return None
    return None


def _local_ips() -> frozenset[str]:
    ips: set[str] = set()
    try:
        for addresses in psutil.net_if_addrs().values():
            ips.update(a.address.split("%")[0] for a in addresses)
    except OSError:
        pass
    return frozenset(ips)


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0][:300] if lines else type(err).__name__
