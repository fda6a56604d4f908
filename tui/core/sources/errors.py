"""Why things failed: failed tasks grouped by function and error type, dead actors' causes.

Asked on demand (the Errors tab while it is open, `raytui errors`), never in every poll:
`detail=true` lists carry the full error text and death causes, which are big.

- `GET /api/v0/tasks?detail=true` filtered on `state=FAILED`: `func_or_class_name`,
  `error_type`, `error_message` (the traceback as Ray stores it), `end_time_ms`;
- `GET /api/v0/actors?detail=true` filtered on `state=DEAD`: `death_cause`, one of
  Ray's `ActorDeathCause` contexts (`actor_died_error_context` with a `reason`,
  `creation_task_failure_context`, `oom_context`, ...), turned into plain words here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.model import ListInfo
from tui.core.sources.http import DashboardHttp, SourceError
from tui.core.text import first_line, last_line

FAILED_TASK_LIMIT = 1_000
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")  # "ValueError: bad size"
DEAD_ACTOR_LIMIT = 1_000

# Ray's ActorDiedErrorContext.reason, in the words a user needs
DEATH_REASONS = {
    "OUT_OF_SCOPE": "every reference to it was dropped, so Ray ended it (out of scope)",
    "RAY_KILL": "it was killed on purpose (ray.kill)",
    "WORKER_DIED": "its worker process died (crashed, or was killed by a signal)",
    "NODE_DIED": "the node it ran on died",
    "OWNER_DIED": "the process that created it (its owner) exited",
    "ACTOR_DIED_WITH_NODE_PREEMPTION": "its node was preempted",
    "REF_DELETED": "every reference to it was dropped, so Ray ended it",
}


@dataclass(frozen=True)
class FailedTask:
    task_id: str
    function: str  # func_or_class_name: `f` or `Class.method`
    error_type: str
    message: str  # the whole error text (a traceback) as Ray stores it
    node_id: str | None = None
    worker_pid: int | None = None
    actor_id: str | None = None
    job_id: str | None = None
    end_time_ms: int | None = None

    @property
    def summary(self) -> str:
        """One line: what a Python traceback says happened (its last line)."""
        return last_line(self.message) or self.error_type

    @property
    def kind(self) -> str:
        """The Python exception's class for a task that raised, else Ray's error type.

        Ray calls every user exception TASK_EXECUTION_EXCEPTION; a ValueError and a
        KeyError of one function are different problems, so they group apart.
        """
        if self.error_type == "TASK_EXECUTION_EXCEPTION":
            match = _EXCEPTION_LINE.match(self.summary)
            if match:
                return match.group(1)
        return self.error_type


@dataclass(frozen=True)
class ErrorGroup:
    """The failures of one function with one error type."""

    function: str
    error_type: str  # the exception's class, or Ray's error type (see FailedTask.kind)
    count: int
    first_ms: int | None
    last_ms: int | None
    latest: FailedTask

    @property
    def key(self) -> str:
        return f"task:{self.function}:{self.error_type}"


@dataclass(frozen=True)
class DeadActor:
    actor_id: str
    class_name: str
    name: str = ""
    node_id: str | None = None
    pid: int | None = None
    job_id: str | None = None
    reason: str = ""  # Ray's reason code (e.g. OWNER_DIED), "" when not given
    cause: str = ""  # one line in plain words
    detail: str = ""  # the full text Ray gave (error message, traceback)
    end_time_ms: int | None = None

    @property
    def key(self) -> str:
        return f"actor:{self.actor_id}"


@dataclass(frozen=True)
class ErrorReport:
    groups: tuple[ErrorGroup, ...] = ()
    dead_actors: tuple[DeadActor, ...] = ()
    failed_list: ListInfo = ListInfo()
    dead_list: ListInfo = ListInfo()
    errors: tuple[str, ...] = ()  # a part that could not be asked (one line each)


class ErrorsSource:
    def __init__(self, http: DashboardHttp) -> None:
        self.http = http

    def _list(self, resource: str, state: str, limit: int) -> tuple[list[dict[str, Any]], ListInfo]:
        params: dict[str, Any] = {
            "limit": limit, "detail": "true", "timeout": max(1, int(self.http.timeout_s)),
            "filter_keys": ["state"], "filter_predicates": ["="], "filter_values": [state],
        }
        data = self.http.get(f"/api/v0/{resource}", params)
        body = data.get("result") if isinstance(data, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("result"), list):
            raise SourceError(f"/api/v0/{resource}: unexpected answer")
        rows = [r for r in body["result"] if isinstance(r, dict)]
        matching = int(body.get("num_filtered") or 0)
        return rows, ListInfo(total=max(matching, len(rows)), returned=len(rows))

    def failed_tasks(self) -> tuple[list[FailedTask], ListInfo]:
        rows, info = self._list("tasks", "FAILED", FAILED_TASK_LIMIT)
        return [failed_task(r) for r in rows], info

    def dead_actors(self) -> tuple[list[DeadActor], ListInfo]:
        rows, info = self._list("actors", "DEAD", DEAD_ACTOR_LIMIT)
        actors = [dead_actor(r) for r in rows]
        return sorted(actors, key=lambda a: -(a.end_time_ms or 0)), info

    def report(self) -> ErrorReport:
        """Both lists; a part that fails is named in `errors`, the other still shows."""
        errors: list[str] = []
        groups: tuple[ErrorGroup, ...] = ()
        actors: tuple[DeadActor, ...] = ()
        failed_info = dead_info = ListInfo()
        try:
            tasks, failed_info = self.failed_tasks()
            groups = group_failures(tasks)
        except SourceError as err:
            errors.append(f"failed tasks: {err}")
        try:
            dead, dead_info = self.dead_actors()
            actors = tuple(dead)
        except SourceError as err:
            errors.append(f"dead actors: {err}")
        return ErrorReport(groups, actors, failed_info, dead_info, tuple(errors))


def failed_task(row: dict[str, Any]) -> FailedTask:
    return FailedTask(
        task_id=str(row.get("task_id") or ""),
        function=str(row.get("func_or_class_name") or row.get("name") or "?"),
        error_type=str(row.get("error_type") or "UNKNOWN"),
        message=str(row.get("error_message") or ""),
        node_id=str(row["node_id"]) if row.get("node_id") else None,
        worker_pid=int(row["worker_pid"]) if row.get("worker_pid") else None,
        actor_id=str(row["actor_id"]) if row.get("actor_id") else None,
        job_id=str(row["job_id"]) if row.get("job_id") else None,
        end_time_ms=int(row["end_time_ms"]) if row.get("end_time_ms") else None,
    )


def group_failures(tasks: Iterable[FailedTask]) -> tuple[ErrorGroup, ...]:
    """One group per (function, error type), the most recent failure first."""
    by_key: dict[tuple[str, str], list[FailedTask]] = {}
    for task in tasks:
        by_key.setdefault((task.function, task.kind), []).append(task)
    groups = []
    for (function, error_type), members in by_key.items():
        times = [t.end_time_ms for t in members if t.end_time_ms]
        latest = max(members, key=lambda t: (t.end_time_ms or 0, t.task_id))
        groups.append(ErrorGroup(function, error_type, len(members),
                                 min(times) if times else None,
                                 max(times) if times else None, latest))
    return tuple(sorted(groups, key=lambda g: (-(g.last_ms or 0), g.function, g.error_type)))


def dead_actor(row: dict[str, Any]) -> DeadActor:
    reason, cause, detail = explain_death(row.get("death_cause"))
    return DeadActor(
        actor_id=str(row.get("actor_id") or ""),
        class_name=str(row.get("class_name") or "?"),
        name=str(row.get("name") or ""),
        node_id=str(row["node_id"]) if row.get("node_id") else None,
        pid=int(row["pid"]) if row.get("pid") else None,
        job_id=str(row["job_id"]) if row.get("job_id") else None,
        reason=reason, cause=cause, detail=detail,
        end_time_ms=int(row["end_time"]) if row.get("end_time") else None,
    )


def explain_death(cause: Any) -> tuple[str, str, str]:
    """(reason code, one line in plain words, Ray's full text) for a `death_cause`."""
    if not isinstance(cause, dict) or not cause:
        text = str(cause or "")
        return "", first_line(text, 200) or "Ray did not say why", text
    if "creation_task_failure_context" in cause:
        context = cause["creation_task_failure_context"] or {}
        text = str(context.get("formatted_exception_string") or "")
        kind = str(context.get("error_type") or "an error")
        return ("CREATION_TASK_ERROR",
                f"its constructor (__init__) raised: {last_line(text) or kind}", text)
    if "oom_context" in cause:
        context = cause["oom_context"] or {}
        text = str(context.get("error_message") or "")
        return "OOM", "Ray's memory monitor killed it: the node ran out of memory", text
    if "runtime_env_failed_context" in cause:
        context = cause["runtime_env_failed_context"] or {}
        text = str(context.get("error_message") or "")
        return "RUNTIME_ENV_FAILED", "its runtime_env could not be set up", text
    if "actor_unschedulable_context" in cause:
        context = cause["actor_unschedulable_context"] or {}
        text = str(context.get("error_message") or "")
        return "UNSCHEDULABLE", "no node could ever run it (unschedulable)", text
    context = cause.get("actor_died_error_context") or next(
        (v for v in cause.values() if isinstance(v, dict)), {})
    text = str(context.get("error_message") or "")
    reason = str(context.get("reason") or "")
    return reason, _died_words(reason, text, str(context.get("owner_id") or "")), text


def owner_is_driver(owner_id: str) -> bool:
    """A driver's worker id is its job id followed by all-ones (Ray's `WorkerID` for drivers)."""
    return len(owner_id) > 8 and set(owner_id[8:].lower()) == {"f"}


def _died_words(reason: str, text: str, owner_id: str) -> str:
    if reason == "OWNER_DIED" and owner_is_driver(owner_id):
        return (f"its job's driver (job {owner_id[:8]}) exited, so Ray ended the actor with it"
                " (not an error in the actor)")
    if reason in DEATH_REASONS:
        return DEATH_REASONS[reason]
    return first_line(text, 200) or "Ray did not say why"
