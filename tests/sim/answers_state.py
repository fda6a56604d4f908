"""The state API's answers (`/api/v0/...`), with Ray 2.60's cut and count semantics.

As in `ray/dashboard/state_aggregator.py` and the GCS handlers behind it:
- a list asks the GCS for at most RAY_MAX_LIMIT_FROM_DATA_SOURCE (10,000) rows, with
  some filters applied inside the GCS (task `state`, worker `is_alive`, actor `state`,
  node `state`...); the rest are applied after the cut by `do_filter`;
- tasks: `total` = rows returned + rows cut by the GCS limit, so a `state` filter's
  `total` counts every match; `num_after_truncation` = rows returned (<= 10,000);
- workers: `total` = every worker the GCS has ever seen (dead ones too);
  `num_after_truncation` = rows returned;
- actors: `total` = every actor; `num_after_truncation` = returned + filtered in the GCS;
- nodes: `total` = returned + cut;
- always `num_filtered` = rows after `do_filter`, counted AFTER the cut; then sorted by
  id and sliced to `limit` (a `limit` over 10,000 is an HTTP 400, as in Ray);
- the task summary is built from one such list (no filter): the GCS walks finished
  tasks newest first, so past 10,000 tasks it holds no RUNNING count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from multidict import MultiMapping

from tests.sim import shapes
from tests.sim.cluster import JOB_ID, SimActor, SimModel, SimWorker

MAX_LIMIT = 10_000  # RAY_MAX_LIMIT_FROM_API_SERVER and RAY_MAX_LIMIT_FROM_DATA_SOURCE
DEFAULT_LIMIT = 100
NIL_PARENT = "f" * 40 + JOB_ID

Filter = tuple[str, str, str]


class BadRequest(ValueError):
    """Ray answers these with HTTP 400 and `result: false`."""


def options(query: MultiMapping[str]) -> tuple[int, bool, list[Filter]]:
    limit = int(query.get("limit", DEFAULT_LIMIT))
    if limit > MAX_LIMIT:
        raise BadRequest(
            f"Given limit {limit} exceeds the supported limit {MAX_LIMIT}. Use a lower limit, "
            "or set the `RAY_MAX_LIMIT_FROM_API_SERVER` environment variable to a larger value.")
    detail = str(query.get("detail", "false")).lower() in ("true", "1")
    keys = query.getall("filter_keys", [])
    preds = query.getall("filter_predicates", [])
    values = query.getall("filter_values", [])
    return limit, detail, list(zip(keys, preds, values, strict=False))


def _matches(value: Any, predicate: str, wanted: str) -> bool:
    if isinstance(value, bool):
        equal = value == (wanted.lower() in ("true", "1"))
    elif isinstance(value, int):
        equal = str(value) == wanted
    else:
        equal = str(value).lower() == wanted.lower()
    if predicate == "=":
        return equal
    if predicate == "!=":
        return not equal
    raise BadRequest(f"Unsupported filter predicate {predicate}")


def _envelope(rows: list[dict[str, Any]], total: int, after: int, filtered: int) -> dict[str, Any]:
    return {"result": True, "msg": "", "data": {"result": {
        "total": total, "num_after_truncation": after, "num_filtered": filtered,
        "result": rows, "partial_failure_warning": "", "warnings": None}}}


def _finish(rows: list[dict[str, Any]], id_key: str, filters: list[Filter], gcs_keys: set[str],
            limit: int, brief_keys: Sequence[str] | None) -> tuple[list[dict[str, Any]], int]:
    """do_filter on the filters the GCS did not apply, sort by id, slice, trim columns."""
    rest = [f for f in filters if f[0] not in gcs_keys]
    rows = [r for r in rows if all(_matches(r.get(k), p, v) for k, p, v in rest)]
    rows.sort(key=lambda r: r[id_key])
    kept = rows[:limit]
    if brief_keys is not None:
        kept = [{k: r[k] for k in brief_keys} for r in kept]
    return kept, len(rows)


# --- tasks --------------------------------------------------------------------------

TASK_GCS_FILTERS: dict[str, Callable[[SimModel, int], Any]] = {
    "state": lambda m, i: m.tasks.states[i],
    "job_id": lambda m, i: JOB_ID,
    "task_id": lambda m, i: m.tasks.ids[i],
    "actor_id": lambda m, i: m.tasks.actor_ids[i],
    "name": lambda m, i: m.tasks.funcs[i],
}


def _gcs_tasks(model: SimModel, filters: list[Filter]) -> tuple[list[int], int]:
    gcs = [f for f in filters if f[0] in TASK_GCS_FILTERS]
    matching = [i for i in model.tasks.order
                if all(_matches(TASK_GCS_FILTERS[k](model, i), p, v) for k, p, v in gcs)]
    return matching[:MAX_LIMIT], max(0, len(matching) - MAX_LIMIT)


def task_row(model: SimModel, i: int, detail: bool) -> dict[str, Any]:
    t = model.tasks
    state = t.states[i]
    failed = state == "FAILED"
    values: dict[str, Any] = dict(
        task_id=t.ids[i], name=t.funcs[i], state=state, job_id=JOB_ID, actor_id=t.actor_ids[i],
        type=t.types[i], func_or_class_name=t.funcs[i].split(":")[-1], parent_task_id=NIL_PARENT,
        node_id=model.nodes[t.nodes[i]].node_id, worker_id=t.workers[i], worker_pid=t.pids[i],
        error_type="TASK_EXECUTION_EXCEPTION" if failed else None)
    if not detail:
        return shapes.fill(shapes.rows("v0_tasks")[0], **values)
    events = [{"state": "PENDING_ARGS_AVAIL", "created_ms": float(t.created_ms[i])},
              {"state": "RUNNING", "created_ms": float(t.created_ms[i] + 2)}]
    if t.ended_ms[i]:
        events.append({"state": state, "created_ms": float(t.ended_ms[i])})
    message = (f"User exception:\nray::{t.funcs[i]}() (pid={t.pids[i]}, ip="
               f"{model.nodes[t.nodes[i]].ip})\nValueError: simulated failure of task {i}")
    node = model.nodes[t.nodes[i]]
    start = float(t.created_ms[i] + 2)
    extra = ({"type": "<class 'ValueError'>", "value": f"simulated failure of task {i}",
              "traceback": message} if failed else {})
    profiling = {"component_type": "worker", "component_id": t.workers[i],
                 "node_ip_address": node.ip,
                 "events": [{"start_time": start, "end_time": float(t.ended_ms[i] or start),
                             "extra_data": extra, "event_name": "task:execute"},
                            {"start_time": start, "end_time": float(t.ended_ms[i] or start),
                             "extra_data": {"name": f"__main__.{t.funcs[i]}",
                                            "task_id": t.ids[i]},
                             "event_name": f"task::{t.funcs[i]}"}]}
    log_name = f"/tmp/ray/session_sim/logs/worker-{t.workers[i]}-{JOB_ID}-{t.pids[i]}"
    log_info = {"stdout_file": log_name + ".out", "stderr_file": log_name + ".err",
                "stdout_start": 0, "stdout_end": 0, "stderr_start": 0, "stderr_end": 0}
    return shapes.fill(
        shapes.row_with("v0_tasks_failed_detail", state="FAILED"), **values,
        events=events, profiling_data=profiling, creation_time_ms=float(t.created_ms[i]),
        start_time_ms=start, end_time_ms=float(t.ended_ms[i]) if t.ended_ms[i] else None,
        task_log_info=log_info, error_message=message if failed else None)


def list_tasks(model: SimModel, limit: int, detail: bool, filters: list[Filter]) -> dict[str, Any]:
    with model.lock:
        returned, cut = _gcs_tasks(model, filters)
        python_side = [f for f in filters if f[0] not in TASK_GCS_FILTERS]
        if not python_side:  # build only the rows served
            chosen = sorted(returned, key=lambda i: model.tasks.ids[i])[:limit]
            rows = [task_row(model, i, detail) for i in chosen]
            return _envelope(rows, len(returned) + cut, len(returned), len(returned))
        all_rows = [task_row(model, i, True) for i in returned]
    brief = None if detail else shapes.keys_of("v0_tasks")
    rows, filtered = _finish(all_rows, "task_id", filters, set(TASK_GCS_FILTERS), limit, brief)
    return _envelope(rows, len(returned) + cut, len(returned), filtered)


def summarize_tasks(model: SimModel, filters: list[Filter]) -> dict[str, Any]:
    with model.lock:
        returned, cut = _gcs_tasks(model, filters)
        summary: dict[str, dict[str, Any]] = {}
        by_type: dict[str, int] = {}
        for i in returned:
            name, kind = model.tasks.funcs[i], model.tasks.types[i]
            group = summary.setdefault(name, {"func_or_class_name": name, "type": kind,
                                              "state_counts": {}})
            counts = group["state_counts"]
            counts[model.tasks.states[i]] = counts.get(model.tasks.states[i], 0) + 1
            by_type[kind] = by_type.get(kind, 0) + 1
    body = shapes.clone(shapes.recording("v0_tasks_summarize"))
    result = body["data"]["result"]
    result.update(total=len(returned) + cut, num_after_truncation=len(returned),
                  num_filtered=len(returned))
    cluster = result["result"]["node_id_to_summary"]["cluster"]
    cluster.update(summary=summary, total_tasks=by_type.get("NORMAL_TASK", 0),
                   total_actor_tasks=by_type.get("ACTOR_TASK", 0),
                   total_actor_scheduled=by_type.get("ACTOR_CREATION_TASK", 0))
    return body


# --- workers, actors, nodes -----------------------------------------------------------

WORKER_GCS_FILTERS = {"is_alive"}  # GcsWorkerManager filters is_alive (and paused threads)


def worker_row(model: SimModel, w: SimWorker) -> dict[str, Any]:
    node = model.nodes[w.node]
    return shapes.fill(
        shapes.rows("v0_workers_detail")[0], worker_id=w.worker_id, is_alive=w.alive,
        worker_type=w.worker_type, exit_type=None if w.alive else "INTENDED_SYSTEM_EXIT",
        node_id=node.node_id, ip=node.ip, pid=w.pid,
        exit_detail=None if w.alive else "Worker exits because the actor is killed.",
        start_time_ms=w.start_ms, end_time_ms=w.end_ms)


def list_workers(model: SimModel, limit: int, detail: bool, filters: list[Filter]) -> dict[str, Any]:
    with model.lock:
        # the GCS walks its worker table in hash order: a cut list misses workers of
        # every node, not whole nodes (the ids are random, so their order is too)
        table = sorted(model.all_workers(), key=lambda w: w.worker_id[::-1])
        rows = [worker_row(model, w) for w in table]
    gcs = [f for f in filters if f[0] in WORKER_GCS_FILTERS]
    rows = [r for r in rows if all(_matches(r.get(k), p, v) for k, p, v in gcs)][:MAX_LIMIT]
    brief = None if detail else shapes.keys_of("v0_workers")
    kept, filtered = _finish(rows, "worker_id", filters, WORKER_GCS_FILTERS, limit, brief)
    return _envelope(kept, len(table), len(rows), filtered)


ACTOR_GCS_FILTERS = {"state", "job_id", "actor_id"}


def actor_row(model: SimModel, a: SimActor) -> dict[str, Any]:
    alive = a.state == "ALIVE"
    template = shapes.row_with("v0_actors_detail", state="ALIVE" if alive else "DEAD")
    node = model.nodes[a.node]
    values: dict[str, Any] = dict(
        actor_id=a.actor_id, class_name=a.class_name, state=a.state, job_id=JOB_ID,
        name=a.name, node_id=node.node_id, pid=a.pid, ray_namespace="sim")
    if not alive:
        cause = shapes.clone(template["death_cause"])
        context = cause["actor_died_error_context"]
        context.update(error_message=a.death_message, pid=a.pid, actor_id=a.actor_id,
                       class_name=a.class_name, node_ip_address=node.ip, name=a.name,
                       ray_namespace="sim", owner_ip_address=model.nodes[0].ip)
        values["death_cause"] = cause
    return shapes.fill(template, **values)


def list_actors(model: SimModel, limit: int, detail: bool, filters: list[Filter]) -> dict[str, Any]:
    with model.lock:
        # GcsActorManager answers registered (alive) actors, then destroyed ones
        ordered = sorted(model.actors, key=lambda a: (a.state != "ALIVE", a.actor_id[::-1]))
        rows = [actor_row(model, a) for a in ordered]
    gcs = [f for f in filters if f[0] in ACTOR_GCS_FILTERS]
    matching = [r for r in rows if all(_matches(r.get(k), p, v) for k, p, v in gcs)]
    returned = matching[:MAX_LIMIT]
    brief = None if detail else shapes.keys_of("v0_actors")
    kept, filtered = _finish(returned, "actor_id", filters, ACTOR_GCS_FILTERS, limit, brief)
    gcs_filtered_out = len(rows) - len(matching)
    return _envelope(kept, len(rows), len(returned) + gcs_filtered_out, filtered)


NODE_GCS_FILTERS = {"state", "node_id", "node_name", "is_head_node"}


def list_nodes(model: SimModel, limit: int, detail: bool, filters: list[Filter]) -> dict[str, Any]:
    rows = []
    with model.lock:
        for n in model.nodes:
            resources = {"object_store_memory": 4.0 * 1024**3, "CPU": float(n.cpus),
                         f"node:{n.ip}": 1.0, "memory": float(n.memory_total)}
            if n.gpus:
                resources["GPU"] = float(len(n.gpus))
            if n.is_head:
                resources["node:__internal_head__"] = 1.0
            rows.append(shapes.fill(
                shapes.rows("v0_nodes")[0], node_id=n.node_id, node_ip=n.ip,
                is_head_node=n.is_head, state=n.state, node_name=n.ip,
                state_message="Unexpected termination: the node was killed by the sim."
                if n.state == "DEAD" else None,
                resources_total=resources, labels={"ray.io/node-id": n.node_id},
                start_time_ms=n.start_ms, end_time_ms=n.end_ms))
    gcs = [f for f in filters if f[0] in NODE_GCS_FILTERS]
    matching = [r for r in rows if all(_matches(r.get(k), p, v) for k, p, v in gcs)]
    returned = matching[:MAX_LIMIT]
    brief = None if detail else shapes.keys_of("v0_nodes_brief")
    kept, filtered = _finish(returned, "node_id", filters, NODE_GCS_FILTERS, limit, brief)
    return _envelope(kept, len(matching), len(returned), filtered)
