"""Sources -> one Snapshot per call. `poll_once` never raises.

One poll is one fetch round with one deadline (`fetch.py`): it plans what to ask
from the last poll's hints (`plan.py`, `hints.py`; the slot table and its refresh
rules are in `slots.py`), starts those calls in parallel (at most 16 per-node detail
calls: the request budget), samples this machine's workers with psutil meanwhile,
waits for the answers until the deadline, joins answers old and new by (node_id, pid)
(`join.py`), and runs the detectors over its History.

Connected means the cluster answered recently: a call that fails or is late marks only
its part, which shows its earlier answer with its age (`status.answer_age_s`) and adds
one line to `status.errors`. The snapshot says disconnected when nothing answers at the
address (refused), or nothing answered for `CONNECTED_WITHIN_S`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil

from tui.core.connection import RayConnection
from tui.core.detect import DEFAULT_PARAMS, DetectParams, detect
from tui.core.history import History
from tui.core.model import ListInfo, Snapshot, Status
from tui.core.poll import plan
from tui.core.poll.fetch import Answer, Calls, Deadline, Outcome
from tui.core.poll.hints import Hints, Seen, next_hints, tasks_may_run
from tui.core.poll.join import Answers, JoinMemo, NodeProcesses, join_and_keep, local_node_ids
from tui.core.poll.slots import (
    COUNTS_MAX_AGE_S,
    FAILED_MAX_AGE_S,
    NODE_PREFIX,
    SlotName,
    label,
    node_key,
    slot_table,
)
from tui.core.poll.sources import Sources, dashboard_sources
from tui.core.refresh import BackgroundRefresh
from tui.core.sources.http import Unreachable
from tui.core.text import error_line

POOL_WORKERS = 32  # the node budget + six slots + two background calls, with room
CONNECTED_WITHIN_S = 15.0  # at least; 3 x timeout_s when that is longer
# glibc serves allocations above its mmap threshold with mmap (given back when freed),
# but raises the threshold to the size of each such block freed: after the first 22 MB
# node summary every answer came from the heap, whose freed holes between long-lived
# objects stay mapped (measured: RSS +100 MB in 28 polls at 1,000 nodes, +26 MB with
# the threshold fixed). Setting it fixes it at glibc's default.
MMAP_THRESHOLD_BYTES = 128 * 1024


class Collector:
    def __init__(
        self,
        connection: RayConnection,
        *,
        timeout_s: float = 5.0,
        detect_params: DetectParams = DEFAULT_PARAMS,
        psutil_node_ids: Collection[str] | None = None,
        history: History | None = None,
        sources: Sources | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`psutil_node_ids`: nodes whose workers are sampled with psutil here; by
        default the node this machine runs (found by the driver's node or by IP).
        Pass an empty set to read every node through the dashboard. `sources`: what to
        ask (default: the connection's dashboard, and psutil here)."""
        self.connection = connection
        self.timeout_s = timeout_s
        self.detect_params = detect_params
        self.history = history if history is not None else History()
        self._psutil_node_ids = None if psutil_node_ids is None else frozenset(psutil_node_ids)
        if sources is None and connection.dashboard_url:
            sources = dashboard_sources(connection.dashboard_url, timeout_s)
        self._sources = sources
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=POOL_WORKERS,
                                        thread_name_prefix="raytui-collector")
        self._calls = Calls(self._pool, clock)
        self._slots = slot_table(sources) if sources else {}
        # Calls whose cost grows with the number of tasks the cluster holds run in the
        # background; each poll takes their latest answer.
        state = sources.state if sources else None
        self._task_counts = BackgroundRefresh(
            self._pool, state.task_counts if state else _no_source, timeout_s,
            max_age_s=COUNTS_MAX_AGE_S, clock=clock)
        self._failed_tasks = BackgroundRefresh(
            self._pool, state.failed_tasks if state else _no_source, timeout_s,
            name="failed tasks", max_age_s=FAILED_MAX_AGE_S, clock=clock)
        self._node_answers: dict[str, Answer] = {}  # node id -> its processes, asked_at
        # the same answers for the join, asked_at in epoch s: one object per answer
        self._node_processes: dict[str, NodeProcesses] = {}
        self._hints = Hints()
        self._join_memo = JoinMemo()  # what the last join built, to reuse
        self._wanted: frozenset[str] = frozenset()
        self._wanted_lock = threading.Lock()
        self._flagged: frozenset[str] = frozenset()
        self._last_answer_at = -math.inf
        self._last_started: float | None = None
        self.interval_s = 1.0  # measured: the time between the starts of the last two polls
        self.requests_started = 0  # calls started, ever (benches read it)
        self.last_round_s = 0.0  # how long the last poll waited for its calls
        self._own_pid = os.getpid()
        self._local_ips = _local_ips()
        _fix_mmap_threshold()  # the History it fills spaces out full GCs (history.py)

    # --- what the UI tells the collector ----------------------------------

    def want_nodes(self, node_ids: Iterable[str]) -> None:
        """The nodes on screen or selected: their workers' figures are refreshed first
        (within the request budget). Thread-safe; replaces the previous set."""
        wanted = frozenset(node_ids)
        with self._wanted_lock:
            self._wanted = wanted

    def node_refresh_bound_s(self) -> float:
        """How old a remote node's worker figures may get now (see `plan.py`)."""
        return plan.refresh_bound_s(len(self._hints.remote_nodes), self.interval_s)

    @property
    def deadline_s(self) -> float:
        """The longest a poll waits for its calls."""
        return Deadline(0.0, self.timeout_s).hard

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
        self._flagged = frozenset(
            {*(n for f in flags for n in f.nodes), *(w.node_id for f in flags for w in f.workers)})
        return dataclasses.replace(snapshot, flags=flags)

    def _collect(self) -> Snapshot:
        now, started = time.time(), self._clock()
        if self._last_started is not None:
            self.interval_s = max(0.05, started - self._last_started)
        self._last_started = started
        sources = self._sources
        if sources is None:
            return Snapshot(time=now, status=Status(
                connected=False, address=self._address(),
                errors=("no dashboard URL for this cluster: start Ray with the dashboard",)))
        deadline = Deadline(started, self.timeout_s, self._clock)
        hints, slots = self._hints, self._slots
        asked: list[SlotName] = plan.due_slots(
            {name: slot.answer for name, slot in slots.items()}, started, hints)
        for name in asked:
            self._start(name, slots[name].call)  # a call still in flight is not restarted
        with self._wanted_lock:
            wanted = self._wanted | self._flagged
        node_calls = [key for key in self._calls.pending() if key.startswith(NODE_PREFIX)]
        for node_id in plan.node_details(
                started, hints.remote_nodes,
                {node: answer.asked_at for node, answer in self._node_answers.items()},
                in_flight=[key[len(NODE_PREFIX):] for key in node_calls], wanted=wanted):
            self._start(node_key(node_id),
                        functools.partial(sources.dashboard.node_processes, node_id))
            node_calls.append(node_key(node_id))
        # last poll's local workers, sampled on this thread while the HTTP calls fly
        sampled = sources.local.sample(hints.local_pids)
        running = slots["running_tasks"]
        if hints.quiet:
            if tasks_may_run(hints, sampled):
                self._start("running_tasks", running.call)
                asked.append("running_tasks")
            else:  # psutil shows every worker idle: nothing runs
                running.answer.store(([], ListInfo()), started)
                self._calls.forget("running_tasks")  # an older, late answer is moot now
        soft = {name for name in asked if slots[name].answer.value is not None}
        outcome = self._calls.collect([*asked, *node_calls], deadline,
                                      soft={*soft, *node_calls})
        self.last_round_s = self._clock() - started
        errors, refused = self._take(outcome)
        connected = bool(outcome.answers) or (
            not refused and self._clock() - self._last_answer_at
            <= max(CONNECTED_WITHIN_S, 3 * self.timeout_s))
        if not connected:
            self._hints = Hints()  # ask everything again once the cluster answers
            for slot in slots.values():
                slot.answer.mark_changed()
            return Snapshot(time=now, status=Status(False, self._address(), tuple(errors)))

        # Started once this poll's own calls are in: they would queue behind these at
        # Ray's state server (seconds, for 10,000 tasks); later polls overlap them.
        self._task_counts.start_if_due(hints.tasks_moved)
        self._failed_tasks.start_if_due(hints.failed_count_changed)
        counts, counts_age = self._task_counts.latest(errors, wait_s=deadline.left())
        failed_answer, _ = self._failed_tasks.latest(errors, wait_s=deadline.left())
        failed, failed_list = failed_answer or ([], ListInfo())

        worker_rows, workers_list = slots["workers"].answer.value or ([], ListInfo())
        node_rows = slots["nodes"].answer.value or []
        local_nodes = local_node_ids(node_rows, self._local_ips, _driver_node_id(),
                                     self._psutil_node_ids)
        local_pids = [r.pid for r in worker_rows
                      if r.node_id in local_nodes and r.pid != self._own_pid] if local_nodes else []
        wanted_pids = set(local_pids)
        sampled = {pid: stat for pid, stat in sampled.items() if pid in wanted_pids}
        sampled.update(sources.local.sample(pid for pid in local_pids if pid not in sampled))
        sources.local.keep_only(local_pids)
        running_tasks, running_list = running.answer.value or ([], ListInfo())
        actors, actors_list = slots["actors"].answer.value or ([], ListInfo())
        clock_now = self._clock()
        ages: dict[str, float] = {name: round(slot.answer.age_s(clock_now), 1) for name, slot in slots.items()
                if slot.answer.value is not None and slot.answer.asked_at < started}
        snapshot, self._join_memo = join_and_keep(Answers(
            time=now,
            status=Status(connected=True, address=self._address(), errors=tuple(errors),
                          answer_age_s=ages),
            worker_rows=worker_rows, workers_list=workers_list, node_rows=node_rows,
            running=running_tasks, running_list=running_list,
            actors=actors, actors_list=actors_list,
            counts=counts, counts_age_s=counts_age, failed=failed, failed_list=failed_list,
            node_stats=slots["node_stats"].answer.value or {},
            cluster_status=slots["cluster_status"].answer.value,
            local_nodes=local_nodes, local_stats=sources.local.node_stats(), sampled=sampled,
            node_processes=self._node_processes,
            own_pid=self._own_pid, previous=self._join_memo,
        ))
        self._hints = next_hints(hints, Seen(
            node_rows=node_rows, local_nodes=local_nodes, workers=snapshot.workers,
            running=running_tasks, actors=actors, by_state=counts.by_state if counts else {},
            workers_cut=snapshot.workers_total_at_most,
            by_node={node: joined.workers for node, joined in self._join_memo.nodes.items()}))
        for name in self._hints.changed:
            slots[name].answer.mark_changed()
        keep = self._hints.remote_nodes
        if len(self._node_answers) > len(keep) or any(n not in keep for n in self._node_answers):
            self._node_answers = {n: a for n, a in self._node_answers.items() if n in keep}
            self._node_processes = {n: p for n, p in self._node_processes.items() if n in keep}
        return snapshot

    def _start(self, key: str, call: Callable[[], Any]) -> None:
        if self._calls.start(key, call):
            self.requests_started += 1

    def _take(self, outcome: Outcome) -> tuple[list[str], bool]:
        """Store the round's answers; (its error lines, whether the address refused)."""
        errors: list[str] = []
        wall_minus_clock = time.time() - self._clock()
        for key, answer in outcome.answers.items():
            if key.startswith(NODE_PREFIX):
                node_id = key[len(NODE_PREFIX):]
                self._node_answers[node_id] = answer
                self._node_processes[node_id] = NodeProcesses(
                    answer.value, answer.asked_at + wall_minus_clock)
            else:
                self._slots[_slot(key)].answer.store(answer.value, answer.asked_at)
        if outcome.answers:
            self._last_answer_at = self._clock()
        refused = False
        for key, err in outcome.failed.items():
            errors.append(f"{label(key)}: {error_line(err)}")
            refused = refused or isinstance(err, Unreachable)
            if not key.startswith(NODE_PREFIX):
                self._slots[_slot(key)].answer.mark_changed()  # ask again at the next poll
        for key in sorted(outcome.overdue):
            errors.append(f"{label(key)}: no answer within {self.timeout_s:g} s")
        return errors, refused

    def _address(self) -> str:
        try:
            return self.connection.describe()
        except Exception:
            return ""

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._sources is not None:
            self._sources.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def detector_history_len(interval_s: float, params: DetectParams = DEFAULT_PARAMS) -> int:
    """The polls the detectors read at this interval: their longest window (30 s) or
    run of polls, and two more. History's default of 120 polls is the app's (60 s of
    sparklines at 0.5 s); `raytui watch` draws none, and at 16,000 workers each poll
    kept costs its tuples and its per-worker samples."""
    values = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}
    window_s = max(v for name, v in values.items() if name.endswith("_window_s"))
    polls = max(v for name, v in values.items() if name.endswith("_polls"))
    return min(120, max(polls, math.ceil(window_s / max(0.05, interval_s))) + 2)


def _fix_mmap_threshold() -> None:
    """See MMAP_THRESHOLD_BYTES; glibc only (elsewhere, nothing to do)."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def _slot(key: str) -> SlotName:
    return key  # type: ignore[return-value]  # every key without NODE_PREFIX is a SlotName


def _no_source(timeout_s: float | None = None) -> Any:
    raise RuntimeError("no dashboard URL for this cluster")


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
