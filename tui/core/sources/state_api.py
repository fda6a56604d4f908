"""The Ray state API: nodes, workers, actors, task summaries, running and failed tasks.

This talks to the same REST endpoints `ray.util.state` uses (`/api/v0/...` on the
dashboard), through `DashboardHttp`: the JSON envelope carries `total` next to the
rows, which `ray.util.state.list_*` drops, and a monitor must say when a list was
cut. It also needs no driver, so it works with only a dashboard URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.model import Actor, ListInfo, Task, TaskGroup
from tui.core.sources.http import DashboardHttp, SourceError

RUNNING_LIMIT = 2_000  # running tasks fetched per poll (counts come from the summary)
FAILED_LIMIT = 100  # recently failed tasks shown with their error
ROW_LIMIT = 10_000  # Ray's own cap for list endpoints


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


class StateApiSource:
    def __init__(self, http: DashboardHttp) -> None:
        self.http = http

    def _list(self, resource: str, limit: int, filters: tuple[tuple[str, str, str], ...] = (),
              detail: bool = False) -> tuple[list[dict[str, Any]], ListInfo]:
        params: dict[str, Any] = {
            "limit": limit,
            "detail": "true" if detail else "false",
            "timeout": max(1, int(self.http.timeout_s)),
            "filter_keys": [f[0] for f in filters],
            "filter_predicates": [f[1] for f in filters],
            "filter_values": [f[2] for f in filters],
        }
        data = self.http.get(f"/api/v0/{resource}", params)
        body = data.get("result") if isinstance(data, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("result"), list):
            raise SourceError(f"/api/v0/{resource}: unexpected answer")
        rows: list[dict[str, Any]] = body["result"]
        # `total` counts rows before filters; `num_filtered` those matching them.
        matching = int(body.get("num_filtered") or 0) if filters else int(body.get("total") or 0)
        return rows, ListInfo(total=max(matching, len(rows)), returned=len(rows))

    def nodes(self) -> list[NodeRow]:
        rows, _ = self._list("nodes", ROW_LIMIT, detail=True)
        nodes = []
        for row in rows:
            resources = row.get("resources_total") or {}
            nodes.append(NodeRow(
                node_id=str(row.get("node_id", "")),
                ip=str(row.get("node_ip") or ""),
                hostname=str(row.get("node_name") or ""),
                is_head=bool(row.get("is_head_node")),
                state=str(row.get("state") or ""),
                cpus_total=float(resources.get("CPU", 0.0)),
                memory_total_bytes=int(resources.get("memory", 0)),
                object_store_total_bytes=int(resources.get("object_store_memory", 0)),
            ))
        return nodes

    def workers(self) -> tuple[list[WorkerRow], ListInfo]:
        rows, info = self._list("workers", ROW_LIMIT, (("is_alive", "=", "True"),))
        workers = [
            WorkerRow(str(r.get("worker_id", "")), int(r.get("pid") or 0),
                      str(r.get("node_id", "")), str(r.get("worker_type") or "WORKER"),
                      str(r.get("ip") or ""))
            for r in rows if r.get("pid")
        ]
        return workers, info

    def actors(self) -> tuple[list[Actor], ListInfo]:
        rows, info = self._list("actors", ROW_LIMIT)
        actors = [
            Actor(
                actor_id=str(r.get("actor_id", "")),
                class_name=str(r.get("class_name") or ""),
                state=str(r.get("state") or ""),
                name=str(r.get("name") or ""),
                pid=int(r["pid"]) if r.get("pid") else None,
                node_id=str(r["node_id"]) if r.get("node_id") else None,
                num_restarts=int(r.get("num_restarts") or 0),
                death_cause=_death_cause(r.get("death_cause")),
            )
            for r in rows
        ]
        return actors, info

    def task_counts(self) -> TaskCounts:
        data = self.http.get("/api/v0/tasks/summarize",
                             {"summary_by": "func_name", "timeout": max(1, int(self.http.timeout_s))})
        try:
            summary = data["result"]["result"]["node_id_to_summary"]["cluster"]["summary"]
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
        return TaskCounts(by_state=by_state, by_function=tuple(groups))

    def running_tasks(self) -> list[Task]:
        rows, _ = self._list("tasks", RUNNING_LIMIT, (("state", "=", "RUNNING"),))
        return [_task(r) for r in rows]

    def failed_tasks(self) -> list[Task]:
        rows, _ = self._list("tasks", FAILED_LIMIT, (("state", "=", "FAILED"),), detail=True)
        tasks = [_task(r) for r in rows]
        # the list is sliced by id, not by time: at least show what we got newest first
        return sorted(tasks, key=lambda t: t.end_time_ms or 0, reverse=True)


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
