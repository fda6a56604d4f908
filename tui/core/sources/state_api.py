"""The Ray state API: nodes, workers, actors, task summaries, running and failed tasks.

This talks to the same REST endpoints `ray.util.state` uses (`/api/v0/...` on the
dashboard), through `DashboardHttp`: the JSON envelope carries `total` next to the
rows, which `ray.util.state.list_*` drops, and a monitor must say when a list was
cut. It also needs no driver, so it works with only a dashboard URL.

What Ray 2.60 counts (`dashboard/state_aggregator.py`, `util/state/state_manager.py`):
- every list is cut at 10,000 rows (the GCS's own limit), and `total` counts the rows
  before that cut: for tasks it is the rows returned plus
  `num_status_task_events_dropped` (those the limit cut, and events workers dropped).
  `num_filtered` is counted after the cut, so it is never the truth of a cut list;
- the worker list's `is_alive` filter is applied inside the GCS too, but its `total` is
  the GCS's whole worker table, dead workers included (recorded: 7 alive rows, total
  10). So an uncut worker list counts itself, and a cut one (`returned` == ROW_LIMIT)
  says "at most `total`";
- a `state=` filter on tasks is applied inside the GCS, so a filtered list's `total`
  counts every matching task (all RUNNING tasks, however many);
- the task summary is built from one such list of at most 10,000 rows: when the
  cluster holds more, `total` > `num_after_truncation` and the counts are partial (the
  GCS keeps the newest rows, mostly FINISHED ones: RUNNING may be missing entirely).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tui.core.model import Actor, ListInfo, Task, TaskGroup
from tui.core.sources.http import DashboardHttp, SourceError, data_of

T = TypeVar("T")

ROW_LIMIT = 10_000  # Ray's own cap for list endpoints
RUNNING_LIMIT = ROW_LIMIT  # running tasks fetched per poll: each one names its worker
FAILED_LIMIT = 100  # recently failed tasks shown with their error


@dataclass(frozen=True)
class NodeRow:
    node_id: str
    ip: str
    hostname: str
    is_head: bool
    state: str
    cpus_total: float
    memory_total_bytes: int
    object_store_total_bytes: int
    gpus_total: float = 0.0
    state_since: float | None = None  # epoch s: when it started, or died if DEAD


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    pid: int
    node_id: str
    worker_type: str
    ip: str


@dataclass(frozen=True)
class TaskCounts:
    by_state: dict[str, int]
    by_function: tuple[TaskGroup, ...]
    total: int = 0  # tasks Ray holds (0: not said)
    counted: int = 0  # rows the summary was built from (at most ROW_LIMIT)

    @property
    def partial(self) -> bool:
        """Ray summarised only part of the tasks it holds (see the module docstring)."""
        return self.counted < self.total


class StateApiSource:
    def __init__(self, http: DashboardHttp) -> None:
        self.http = http

    def _list(self, resource: str, limit: int, convert: Callable[[dict[str, Any]], T | None],
              filters: tuple[tuple[str, str, str], ...] = (), detail: bool = False,
              timeout_s: float | None = None) -> tuple[list[T], ListInfo]:
        """The rows (each `convert`ed; None drops it) and what the list says of its cut.
        The same answer as last time gives the same list object (`get_reused`)."""
        timeout = self.http.timeout_s if timeout_s is None else timeout_s
        params: dict[str, Any] = {
            "limit": limit,
            "detail": "true" if detail else "false",
            "timeout": max(1, int(timeout)),  # Ray's own deadline for the GCS query
            "filter_keys": [f[0] for f in filters],
            "filter_predicates": [f[1] for f in filters],
            "filter_values": [f[2] for f in filters],
        }
        path = f"/api/v0/{resource}"

        def build(answer: bytes) -> tuple[list[T], ListInfo]:
            data = data_of(path, answer)
            body = data.get("result") if isinstance(data, dict) else None
            if not isinstance(body, dict) or not isinstance(body.get("result"), list):
                raise SourceError(f"{path}: unexpected answer")
            rows: list[dict[str, Any]] = body["result"]
            # `total`, not `num_filtered`: see the module docstring
            total = int(body.get("total") or 0)
            converted = [row for row in map(convert, rows) if row is not None]
            return converted, ListInfo(total=max(total, len(rows)), returned=len(rows))

        return self.http.get_reused((resource, limit, filters, detail), path, params, build,
                                    timeout_s=timeout_s)

    def nodes(self) -> list[NodeRow]:
        return self._list("nodes", ROW_LIMIT, _node, detail=True)[0]

    def workers(self) -> tuple[list[WorkerRow], ListInfo]:
        workers, info = self._list("workers", ROW_LIMIT, _worker, (("is_alive", "=", "True"),))
        if info.returned < ROW_LIMIT:  # not cut: every alive worker is here
            info = ListInfo(info.returned, info.returned)
        return workers, info

    def actors(self) -> tuple[list[Actor], ListInfo]:
        return self._list("actors", ROW_LIMIT, _actor)

    def actor(self, actor_id: str) -> Actor | None:
        """One actor as Ray lists it now (any state), or None when Ray has no such actor."""
        rows, _ = self._list("actors", 1, _actor, (("actor_id", "=", actor_id),))
        return rows[0] if rows else None

    def task_counts(self, timeout_s: float | None = None) -> TaskCounts:
        timeout = self.http.timeout_s if timeout_s is None else timeout_s
        data = self.http.get("/api/v0/tasks/summarize",
                             {"summary_by": "func_name", "timeout": max(1, int(timeout))},
                             timeout_s=timeout)
        try:
            body = data["result"]
            summary = body["result"]["node_id_to_summary"]["cluster"]["summary"]
        except (KeyError, TypeError):
            raise SourceError("/api/v0/tasks/summarize: unexpected answer") from None
        by_state: dict[str, int] = {}
        groups = []
        for name, group in sorted(summary.items()):
            counts = {str(k): int(v) for k, v in (group.get("state_counts") or {}).items()}
            for state, count in counts.items():
                by_state[state] = by_state.get(state, 0) + count
            groups.append(TaskGroup(name=str(group.get("func_or_class_name") or name),
                                    by_state=counts))
        counted = sum(by_state.values())
        return TaskCounts(by_state=by_state, by_function=tuple(groups),
                          total=int(body.get("total") or counted),
                          counted=int(body.get("num_after_truncation") or counted))

    def running_tasks(self) -> tuple[list[Task], ListInfo]:
        return self._list("tasks", RUNNING_LIMIT, _task, (("state", "=", "RUNNING"),))

    def tasks_of_job(self, job_id: str) -> tuple[list[Task], ListInfo]:
        """One Ray job's tasks (its driver's `get_job_id()`): the exact story of a run.
        With detail: Ray sends a task's start and end times only then (the story's
        "one at a time" is read from them)."""
        return self._list("tasks", ROW_LIMIT, _task, (("job_id", "=", job_id),), detail=True)

    def failed_tasks(self, timeout_s: float | None = None) -> tuple[list[Task], ListInfo]:
        tasks, info = self._list("tasks", FAILED_LIMIT, _task, (("state", "=", "FAILED"),),
                                 detail=True, timeout_s=timeout_s)
        # the list is sliced by id, not by time: at least show what we got newest first
        return sorted(tasks, key=lambda t: t.end_time_ms or 0, reverse=True), info


def _node(row: dict[str, Any]) -> NodeRow:
    resources = row.get("resources_total") or {}
    state = str(row.get("state") or "")
    since_ms = row.get("end_time_ms") if state == "DEAD" else row.get("start_time_ms")
    return NodeRow(
        node_id=str(row.get("node_id", "")),
        ip=str(row.get("node_ip") or ""),
        hostname=str(row.get("node_name") or ""),
        is_head=bool(row.get("is_head_node")),
        state=state,
        cpus_total=float(resources.get("CPU", 0.0)),
        memory_total_bytes=int(resources.get("memory", 0)),
        object_store_total_bytes=int(resources.get("object_store_memory", 0)),
        gpus_total=float(resources.get("GPU", 0.0)),
        state_since=int(since_ms) / 1000 if since_ms else None,
    )


def _worker(row: dict[str, Any]) -> WorkerRow | None:
    if not row.get("pid"):
        return None
    return WorkerRow(str(row.get("worker_id", "")), int(row["pid"]), str(row.get("node_id", "")),
                     str(row.get("worker_type") or "WORKER"), str(row.get("ip") or ""))


def _actor(row: dict[str, Any]) -> Actor:
    return Actor(
        actor_id=str(row.get("actor_id", "")),
        class_name=str(row.get("class_name") or ""),
        state=str(row.get("state") or ""),
        name=str(row.get("name") or ""),
        pid=int(row["pid"]) if row.get("pid") else None,
        node_id=str(row["node_id"]) if row.get("node_id") else None,
        num_restarts=int(row.get("num_restarts") or 0),
        death_cause=_death_cause(row.get("death_cause")),
    )


def _task(row: dict[str, Any]) -> Task:
    return Task(
        task_id=str(row.get("task_id", "")),
        name=str(row.get("name") or row.get("func_or_class_name") or ""),
        state=str(row.get("state") or ""),
        node_id=str(row["node_id"]) if row.get("node_id") else None,
        worker_pid=int(row["worker_pid"]) if row.get("worker_pid") else None,
        actor_id=str(row["actor_id"]) if row.get("actor_id") else None,
        error_type=str(row["error_type"]) if row.get("error_type") else None,
        error_message=_first_line(row.get("error_message")),
        start_time_ms=int(row["start_time_ms"]) if row.get("start_time_ms") else None,
        end_time_ms=int(row["end_time_ms"]) if row.get("end_time_ms") else None,
    )


def _first_line(text: Any) -> str | None:
    if not text:
        return None
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else None  # a traceback's last line says what happened


def _death_cause(cause: Any) -> str | None:
    if not cause:
        return None
    if isinstance(cause, dict):
        for context in cause.values():
            if isinstance(context, dict) and context.get("error_message"):
                return _first_line(context["error_message"])
        return _first_line(str(cause))
    return _first_line(cause)
