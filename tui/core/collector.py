"""Sources -> one Snapshot per call. `poll_once` never raises.

One poll asks the state API and the dashboard in parallel (a thread pool, each
request bounded by `timeout_s`), samples this machine's workers with psutil, asks
the dashboard for the processes of the other nodes, joins everything by
(node_id, pid), and runs the detectors over its own History. A source that fails
or is slow leaves its part empty and adds one line to `status.errors`;
`status.connected` is false when the cluster's node list could not be read.

Not every source is asked on every poll (see `tui/core/refresh.py`):

| source | asked |
|---|---|
| workers, this machine's processes | every poll |
| running tasks | every poll, unless this poll can see that nothing runs (`_tasks_may_run`) |
| actors | when a worker starts, ends or looks like a new actor (at most every 1 s); at least every 5 s |
| nodes | when the worker set changed or the worker list failed; at least every 2 s |
| node stats, cluster status, other nodes' processes | every 2 s (Ray's agents report every 5 s) |
| task summary (in the background) | when tasks moved, spaced by its cost; at least every 5 s |
| failed tasks (in the background) | when the FAILED count changed; at least every 10 s |

`status.answer_age_s` says how old each reused answer is.

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
from typing import Any, NamedTuple, Protocol

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
from tui.core.refresh import BackgroundRefresh, Reused, one_line
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

# Refresh spacing (seconds); see the table in the module docstring.
ACTORS_MAX_AGE_S = 5.0
DASHBOARD_PERIOD_S = 2.0
COUNTS_MAX_AGE_S = 5.0
FAILED_MAX_AGE_S = 10.0
# A poll waits this long for a source that answered before, then shows that answer
# (with its age) and takes the late one at a later poll.
SOFT_WAIT_S = 1.0
# A worker above this share of a core has worked since the last poll; an idle Ray
# worker uses about 0.5 %.
WORKED_CPU_PERCENT = 5.0


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
        # Calls whose cost grows with the number of tasks the cluster holds run in the
        # background; each poll takes their latest answer.
        self._task_counts = (BackgroundRefresh(self._pool, self._state.task_counts, timeout_s,
                                               max_age_s=COUNTS_MAX_AGE_S)
                             if self._state else None)
        self._failed_tasks = (BackgroundRefresh(self._pool, self._state.failed_tasks, timeout_s,
                                                name="failed tasks", max_age_s=FAILED_MAX_AGE_S)
                              if self._state else None)
        # every poll asks for these two (the running tasks unless nothing runs)
        self._workers_answer: Reused[tuple[list[WorkerRow], ListInfo]] = Reused(0.0)
        self._running: Reused[list[Task]] = Reused(0.0)
        self._nodes: Reused[list[NodeRow]] = Reused(DASHBOARD_PERIOD_S)
        self._actors: Reused[tuple[list[Actor], ListInfo]] = Reused(ACTORS_MAX_AGE_S, 1.0)
        self._node_stats: Reused[dict[str, NodeStats]] = Reused(DASHBOARD_PERIOD_S)
        self._cluster_status: Reused[ClusterStatus] = Reused(DASHBOARD_PERIOD_S)
        self._node_processes: dict[str, Reused[dict[int, ProcessStats]]] = {}
        self._in_flight: dict[str, _Call] = {}  # calls by name, until they answer
        self._own_pid = os.getpid()
        self._local_ips = _local_ips()
        self._last = _LastPoll()

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
        now, asked_at = time.time(), time.monotonic()
        if self._state is None or self._dashboard is None:
            return Snapshot(time=now, status=Status(
                connected=False, address=self._address(),
                errors=("no dashboard URL for this cluster: start Ray with the dashboard",)))
        assert self._task_counts is not None and self._failed_tasks is not None
        errors: list[str] = []
        state, dashboard, last = self._state, self._dashboard, self._last
        reused: dict[str, Reused[Any]] = {
            "workers": self._workers_answer, "running tasks": self._running,
            "nodes": self._nodes, "actors": self._actors, "node stats": self._node_stats,
            "cluster status": self._cluster_status}
        fetch: dict[str, Callable[[], Any]] = {
            "workers": state.workers, "running tasks": state.running_tasks, "nodes": state.nodes,
            "actors": state.actors, "node stats": dashboard.node_stats,
            "cluster status": dashboard.cluster_status}
        calls = {name: fetch[name] for name, answer in reused.items() if answer.due(asked_at)}
        if last.quiet:  # decided below, once psutil has looked at the workers
            calls.pop("running tasks", None)
        futures = self._submit({
            # last poll's local workers, sampled while the HTTP calls are in flight
            "local processes": functools.partial(self._sampler.sample, last.local_pids),
            **calls})
        waits = _Waits(self.timeout_s)
        local = self._gather({"local processes": futures.pop("local processes")}, waits,
                             errors)[0].get("local processes")
        sampled: dict[int, ProcessStats] = local.value if local else {}
        if last.quiet and self._tasks_may_run(sampled):
            futures.update(self._submit({"running tasks": state.running_tasks}))
        results, late = self._gather(futures, waits, errors, soft={
            name for name in futures if reused[name].value is not None})
        if last.quiet and "running tasks" not in futures:
            self._running.store([], asked_at)  # psutil shows every worker idle: nothing runs
            self._in_flight.pop("running tasks", None)  # an older, late answer is moot now
        local_stats = self._sampler.node_stats()
        if "workers" not in results and "workers" not in late and "nodes" not in futures:
            # is the cluster gone, or did only the worker list fail? the node list says
            futures.update(self._submit({"nodes": state.nodes}))
            results.update(self._gather({"nodes": futures["nodes"]}, _Waits(self.timeout_s),
                                        errors)[0])
        for name, answer in reused.items():
            if name in results:
                answer.store(*results[name])
            elif name in futures and name not in late:
                answer.mark_changed()  # it failed: ask again at the next poll
        nodes_failed = "nodes" in futures and "nodes" not in results and "nodes" not in late
        node_rows = None if nodes_failed else self._nodes.value
        if node_rows is None:
            self._nodes.mark_changed()
            self._last = _LastPoll()  # ask everything again once the cluster answers
            return Snapshot(time=now, status=Status(False, self._address(), tuple(errors)))

        # Started once this poll's own calls are in: they would queue behind these at
        # Ray's state server (seconds, for 10,000 tasks); later polls overlap them.
        self._task_counts.start_if_due(last.tasks_moved)
        self._failed_tasks.start_if_due(last.failed_count_changed)
        worker_rows, workers_list = self._workers_answer.value or ([], ListInfo())
        actors, actors_list = self._actors.value or ([], ListInfo())
        counts, counts_age = self._task_counts.latest(errors)
        running: list[Task] = self._running.value or []
        failed: list[Task] = self._failed_tasks.latest(errors)[0] or []
        node_stats = self._node_stats.value or {}
        usage = self._cluster_status.value.usage_by_node if self._cluster_status.value else {}

        local_nodes = self._local_node_ids(node_rows)
        process_stats, sources = self._process_stats(
            worker_rows, local_nodes, sampled, asked_at, errors)
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
        self._remember(node_rows, local_nodes, workers, running, actors, by_state)
        ages = {name: round(answer.age_s(), 1) for name, answer in reused.items()
                if answer.value is not None and answer.asked_at < asked_at}
        return Snapshot(
            time=now,
            status=Status(connected=True, address=self._address(), errors=tuple(errors),
                          answer_age_s=ages),
            cluster=_cluster(nodes),
            nodes=nodes,
            workers=workers,
            tasks=tasks,
            actors=tuple(_actor_with_stats(a, process_stats) for a in actors),
            workers_list=workers_list,
            actors_list=actors_list,
        )

    def _submit(self, calls: dict[str, Callable[[], Any]]) -> dict[str, _Call]:
        """Start the calls; one still running from an earlier poll is not started twice."""
        for name, call in calls.items():
            if name not in self._in_flight:
                self._in_flight[name] = _Call(self._pool.submit(call), time.monotonic())
        return {name: self._in_flight[name] for name in calls}

    def _gather(self, futures: dict[str, _Call], waits: _Waits, errors: list[str],
                soft: Collection[str] = ()) -> tuple[dict[str, _Answer], set[str]]:
        """Wait for the calls: (answers, the `soft` ones that are late).

        A call in `soft` has an earlier answer to show: the poll waits `SOFT_WAIT_S` for
        it, then leaves it running for a later poll to take (Ray's state server can be
        busy for seconds with a task summary). Any other late call, or a failure,
        becomes an error line.
        """
        results: dict[str, _Answer] = {}
        late: set[str] = set()
        for name, call in futures.items():
            try:
                value = call.future.result(timeout=waits.left(soft=name in soft))
                results[name] = _Answer(value, call.asked_at)
            except FutureTimeout:
                if name in soft:
                    late.add(name)
                else:
                    errors.append(f"{name}: no answer within {self.timeout_s:g} s")
                continue  # still running: the next poll waits for this call, not a new one
            except Exception as err:
                errors.append(f"{name}: {one_line(err)}")
            self._in_flight.pop(name, None)
        return results, late

    # --- what the next poll may skip ----------------------------------------

    def _tasks_may_run(self, sampled: dict[int, ProcessStats]) -> bool:
        """After a quiet poll: False when this poll sees that no task runs anywhere.

        Listing the running tasks makes Ray's GCS scan every task it holds (about
        0.1 s of its CPU for 10,000 tasks), so an idle cluster is not asked. It is
        idle when the last poll saw no running task and every node's workers are on
        this machine, and psutil now shows each of them idle: Ray titles a worker
        `ray::IDLE`, or `ray::Class` for an actor between calls, and retitles it the
        moment a task starts. A worker that started since the last poll is seen by
        the next one.
        """
        for pid, actor_class in self._last.local_task_pids.items():
            stat = sampled.get(pid)
            if stat is None or not _idle_title(stat.title, actor_class):
                return True
        return False

    def _remember(self, node_rows: list[NodeRow], local_nodes: frozenset[str],
                  workers: tuple[Worker, ...], running: list[Task], actors: list[Actor],
                  by_state: dict[str, int]) -> None:
        """Keep what the next poll needs to decide what to ask (see the docstring)."""
        last, now = self._last, _LastPoll()
        alive_nodes = frozenset(r.node_id for r in node_rows if r.state == "ALIVE")
        now.nodes = alive_nodes
        now.worker_keys = frozenset((w.node_id, w.pid) for w in workers)
        now.titles = {(w.node_id, w.pid): w.title for w in workers}
        now.local_pids = tuple(w.pid for w in workers if w.node_id in local_nodes)
        actor_class = {(a.node_id, a.pid): a.class_name for a in actors if a.state == "ALIVE"}
        task_workers = [w for w in workers if w.worker_type != "DRIVER"]  # drivers run no task
        now.local_task_pids = {w.pid: actor_class.get((w.node_id, w.pid)) for w in task_workers
                               if w.node_id in local_nodes}
        now.quiet = (not running and bool(alive_nodes) and alive_nodes <= local_nodes
                     and all(w.cpu_source == "psutil" and w.pid in now.local_task_pids
                             and _idle_title(w.title, now.local_task_pids[w.pid])
                             for w in task_workers))
        workers_changed = now.worker_keys != last.worker_keys
        known_actors = {a.actor_id for a in actors}
        if (workers_changed  # an actor starts or dies with its worker process...
                or any(t.actor_id and t.actor_id not in known_actors for t in running)
                or any(_maybe_new_actor(w, now.local_task_pids) for w in task_workers)):
            self._actors.mark_changed()
        if workers_changed:
            self._nodes.mark_changed()  # a node that died took its workers along
        if alive_nodes != last.nodes:
            self._node_stats.mark_changed()
            self._cluster_status.mark_changed()
        now.tasks_moved = (bool(running) or workers_changed or now.titles != last.titles
                           or any(w.cpu_percent >= WORKED_CPU_PERCENT for w in task_workers))
        now.failed_count = by_state.get("FAILED")
        now.failed_count_changed = now.failed_count != last.failed_count
        self._last = now

    # --- per-worker CPU ---------------------------------------------------

    def _process_stats(
        self, rows: list[WorkerRow], local_nodes: frozenset[str],
        sampled: dict[int, ProcessStats], asked_at: float, errors: list[str],
    ) -> tuple[dict[tuple[str, int], ProcessStats], dict[tuple[str, int], str]]:
        """CPU/memory per (node_id, pid): psutil here, the dashboard elsewhere."""
        stats: dict[tuple[str, int], ProcessStats] = {}
        sources: dict[tuple[str, int], str] = {}
        rows = [r for r in rows if not (r.pid == self._own_pid and r.node_id in local_nodes)]
        local_pids = [r.pid for r in rows if r.node_id in local_nodes]
        wanted = set(local_pids)
        sampled = {pid: stat for pid, stat in sampled.items() if pid in wanted}
        sampled.update(self._sampler.sample(pid for pid in local_pids if pid not in sampled))
        self._sampler.keep_only(local_pids)
        remote_nodes = set()
        for row in rows:
            key = (row.node_id, row.pid)
            if row.node_id in local_nodes and row.pid in sampled:
                stats[key], sources[key] = sampled[row.pid], "psutil"
            else:
                remote_nodes.add(row.node_id)  # includes local pids psutil cannot see
        assert self._dashboard is not None
        dashboard = self._dashboard
        for node_id in list(self._node_processes):
            if node_id not in remote_nodes:
                del self._node_processes[node_id]
        answers = {node_id: self._node_processes.setdefault(node_id, Reused(DASHBOARD_PERIOD_S))
                   for node_id in remote_nodes}
        calls: dict[str, Callable[[], Any]] = {
            f"node {node_id[:8]} processes": functools.partial(dashboard.node_processes, node_id)
            for node_id, answer in answers.items() if answer.due(asked_at)}
        names = {f"node {node_id[:8]} processes": answer for node_id, answer in answers.items()}
        results, _ = self._gather(self._submit(calls), _Waits(self.timeout_s), errors,
                                  soft={name for name in calls if names[name].value is not None})
        for name, answer in names.items():
            if name in results:
                answer.store(*results[name])
        for node_id, answer in answers.items():
            processes = answer.value or {}
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


# --- joins -------------------------------------------------------------------


class _Call(NamedTuple):
    future: Future[Any]
    asked_at: float  # monotonic


class _Answer(NamedTuple):
    value: Any
    asked_at: float  # when it was asked: a late answer is older than its poll


class _Waits:
    """One poll's deadlines: the hard one (`timeout_s`), and the soft one (`SOFT_WAIT_S`)
    for a source that has an earlier answer to show."""

    def __init__(self, timeout_s: float) -> None:
        started = time.monotonic()
        self._hard = started + timeout_s + 0.5
        self._soft = started + min(SOFT_WAIT_S, timeout_s)

    def left(self, soft: bool) -> float:
        return max(0.0, (self._soft if soft else self._hard) - time.monotonic())


class _LastPoll:
    """What one poll saw that tells the next what it may skip (see `_remember`)."""

    def __init__(self) -> None:
        self.quiet = False  # no running task, and every worker seen by psutil
        self.nodes: frozenset[str] = frozenset()
        self.worker_keys: frozenset[tuple[str, int]] | None = None
        self.titles: dict[tuple[str, int], str] = {}
        self.local_pids: tuple[int, ...] = ()
        self.local_task_pids: dict[int, str | None] = {}  # pid -> its actor's class
        self.tasks_moved = True
        self.failed_count: int | None = None
        self.failed_count_changed = True


def _maybe_new_actor(worker: Worker, local_task_pids: dict[int, str | None]) -> bool:
    """...or takes an idle worker, which is then titled `ray::Class` and runs no task."""
    return (worker.cpu_source == "psutil" and worker.running_task is None
            and local_task_pids.get(worker.pid) is None and worker.title.startswith("ray::")
            and not _idle_title(worker.title, None))


def _idle_title(title: str, actor_class: str | None) -> bool:
    """Whether a worker's process title says it runs nothing now."""
    if title.startswith("ray::IDLE"):
        return True
    return actor_class is not None and title == f"ray::{actor_class}"


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
