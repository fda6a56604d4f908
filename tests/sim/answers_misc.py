"""Jobs, logs, version and profiling answers, from the recordings with simulated ids."""

from __future__ import annotations

from typing import Any

from tests.sim import shapes
from tests.sim.cluster import JOB_ID, SimModel, SimWorker

SUBMISSION_ID = "raysubmit_simulated0000001"
DEFAULT_LOG_LINES = 1000  # ray.util.state's DEFAULT_LOG_LIMIT


def jobs(model: SimModel) -> list[dict[str, Any]]:
    """One finished submitted job and the running driver, as Ray lists them."""
    recorded = shapes.recording("jobs_list")
    submitted = next(j for j in recorded if j["type"] == "SUBMISSION")
    driver = next(j for j in recorded if j["type"] == "DRIVER")
    head = model.nodes[0]
    return [
        shapes.fill(submitted, submission_id=SUBMISSION_ID,
                    entrypoint="python -c \"print('sim job done')\"",
                    start_time=model.base_ms - 120_000, end_time=model.base_ms - 110_000,
                    driver_agent_http_address=f"http://{head.ip}:52365",
                    driver_node_id=head.node_id),
        shapes.fill(driver, job_id=JOB_ID, entrypoint="python -m workloads.sim",
                    driver_info={"id": JOB_ID, "node_ip_address": head.ip,
                                 "pid": str(head.workers[0].pid) if head.workers else "0"},
                    start_time=model.base_ms),
    ]


def job(model: SimModel, job_or_submission_id: str) -> dict[str, Any] | None:
    for entry in jobs(model):
        if job_or_submission_id in (entry.get("submission_id"), entry.get("job_id")):
            return entry
    return None


def job_logs(model: SimModel, job_or_submission_id: str) -> dict[str, Any] | None:
    if job(model, job_or_submission_id) is None:
        return None
    return {"logs": f"Running entrypoint for job {job_or_submission_id}: python -c \"print('sim job done')\"\n"
                    "sim job done\n"}


def log_index(model: SimModel, node_id: str) -> dict[str, Any] | None:
    try:
        node = model.node_by_id(node_id)
    except KeyError:
        return None
    body = shapes.clone(shapes.recording("v0_logs_list"))
    categories = body["data"]["result"]
    workers = [w for w in node.workers if w.worker_type == "WORKER"]
    categories["worker_out"] = [f"worker-{w.worker_id}-{JOB_ID}-{w.pid}.out" for w in workers]
    categories["worker_err"] = [f"worker-{w.worker_id}-{JOB_ID}-{w.pid}.err" for w in workers]
    categories["core_worker"] = [f"python-core-worker-{w.worker_id}_{w.pid}.log"
                                 for w in workers]
    return body


def _worker_for(model: SimModel, query: dict[str, str]) -> SimWorker | None:
    workers = [w for n in model.nodes for w in n.workers] + model.dead_workers
    if "pid" in query:
        pid = int(query["pid"])
        node_id = query.get("node_id")
        return next((w for w in workers if w.pid == pid and (
            node_id is None or model.nodes[w.node].node_id == node_id)), None)
    if "actor_id" in query:
        actor = next((a for a in model.actors if a.actor_id == query["actor_id"]), None)
        return next((w for w in workers if actor and w.worker_id == actor.worker_id), None)
    if "task_id" in query:
        try:
            i = model.tasks.ids.index(query["task_id"])
        except ValueError:
            return None
        return next((w for w in workers if w.worker_id == model.tasks.workers[i]), None)
    return None


def log_file(model: SimModel, query: dict[str, str]) -> str | None:
    """A worker's log as the dashboard streams it: Ray's `:job_id:` / `:actor_name:` /
    `:task_name:` markers, then what the task printed; `lines` keeps the last N lines."""
    with model.lock:
        worker = _worker_for(model, query)
        if worker is None:
            return None
        lines = [f":job_id:{JOB_ID}"]
        if worker.actor is not None:
            lines.append(f":actor_name:{model.actors[worker.actor].class_name}")
        if worker.task is not None:
            name = model.tasks.funcs[worker.task]
            lines.append(f":task_name:{name}")
            lines += [f"{name} tick {k}" for k in range(1, 200_001, 2_000)]
        wanted = int(query.get("lines", DEFAULT_LOG_LINES))
        return "\n".join(lines[-wanted:]) + "\n"
