"""Record the dashboard's answers from a real two-node Ray cluster, once, by hand.

    flock /tmp/raytui-ray.lock .venv/bin/python -m tests.sim.record_fixtures

Starts a `ray.cluster_utils.Cluster` (a head, and a second node with 2 logical GPUs),
runs a long task, finished tasks, a failing task, an alive and a killed actor and a
finished job, then GETs every endpoint raytui (and its logs/jobs/errors views) reads and
saves each answer under tests/sim/recordings/: row lists trimmed to a few rows (one of
each kind kept), every key kept. `index.json` lists what was asked and the status.
The cluster runs in token mode when a token exists (so the 401 and 403 answers are
Ray's); the token is sent, never printed. It waits 20 s before asking, so that the
dashboard has merged the per-worker stats (every 15 s). Not a test module
(tests/sim/conftest.py keeps pytest from collecting it).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

RECORDINGS = Path(__file__).parent / "recordings"
KEEP_ROWS = 3


KINDS = ("workerType", "worker_type", "state", "type", "is_alive")  # a row of each is kept


def _kind(row: Any) -> tuple[Any, ...]:
    if not isinstance(row, dict):
        return ("<scalar>",)
    actor = row.get("actorId", row.get("actor_id"))
    return (tuple(sorted(row)), *(str(row.get(k)) for k in KINDS),
            bool(actor) and actor != "f" * 32)


def trim_rows(rows: list[Any]) -> list[Any]:
    """A few rows, plus the first row of every kind (key set, type, state) not yet kept."""
    kept: list[Any] = []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        kind = _kind(row)
        if len(kept) < KEEP_ROWS or kind not in seen:
            kept.append(row)
        seen.add(kind)
    return kept


def trim(path: str, body: Any) -> Any:
    """Cut the long lists of an answer, keeping the envelope and the counts as Ray gave them."""
    if not isinstance(body, dict):
        return body
    data = body.get("data")
    if isinstance(data, dict):
        inner = data.get("result")
        if isinstance(inner, dict) and isinstance(inner.get("result"), list):
            inner["result"] = trim_rows(inner["result"])
        if isinstance(data.get("summary"), list):
            data["summary"] = [trim_node_entry(e) for e in data["summary"]]
        if isinstance(data.get("detail"), dict):
            data["detail"] = trim_node_entry(data["detail"])
    return body


def trim_processes(rows: list[Any]) -> list[Any]:
    """One process of each title (agents, an idle worker, the busy ones), every key kept."""
    kept: list[Any] = []
    titles: set[str] = set()
    for row in rows:
        title = next((part for part in row.get("cmdline") or [] if part), "")
        if title not in titles:
            kept.append(row)
        titles.add(title)
    return kept


def trim_node_entry(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("workers"), list):
        entry["workers"] = trim_processes(entry["workers"])
    raylet = entry.get("raylet") if isinstance(entry, dict) else None
    if isinstance(raylet, dict):
        stats = raylet.get("coreWorkersStats")
        if isinstance(stats, list):
            raylet["coreWorkersStats"] = trim_rows(stats)
    return entry


def main() -> int:
    from tui.core.auth import read_auth_token

    if read_auth_token():  # token mode, as a Ray 2.60 cluster with a token runs (before Ray)
        os.environ["RAY_AUTH_MODE"] = "token"
    import ray
    from ray.cluster_utils import Cluster

    from tui.core.auth import auth_headers, enable_token_mode
    from tui.core.connection import free_port

    cluster = Cluster(initialize_head=False)
    try:  # nodes are added inside the try, so a failed start is still shut down
        cluster.add_node(num_cpus=2, include_dashboard=True, dashboard_host="127.0.0.1",
                         dashboard_port=free_port())
        gpu_node = cluster.add_node(num_cpus=2, num_gpus=2, resources={"second": 1})
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        assert cluster.head_node is not None
        url = "http://" + str(cluster.head_node.address_info["webui_url"]).removeprefix("http://")
        answers = record(ray, url, gpu_node.node_id, auth_headers, enable_token_mode,
                         read_auth_token)
        ray.shutdown()
    finally:
        cluster.shutdown()
    print(f"recorded {answers} answers under {RECORDINGS}")
    return 0


def record(ray: Any, url: str, gpu_node_id: str, auth_headers: Any, enable_token_mode: Any,
           read_auth_token: Any) -> int:
    @ray.remote(num_cpus=1)
    def quick(i: int) -> int:
        return i * 2

    @ray.remote(num_cpus=1, resources={"second": 0.1})
    def long_running(seconds: float) -> None:
        end = time.time() + seconds
        ticks = 0
        while time.time() < end:
            sum(range(10_000))
            ticks += 1
            if ticks % 2000 == 1:
                print(f"long_running tick {ticks}", flush=True)

    @ray.remote(num_cpus=0, max_retries=0)
    def boom() -> None:
        raise ValueError("recorded failure for the sim")

    @ray.remote(num_cpus=0)
    class Counter:
        def __init__(self) -> None:
            self.n = 0

        def add(self) -> int:
            self.n += 1
            return self.n

    @ray.remote(num_cpus=0)
    class Doomed:
        def ping(self) -> str:
            return "pong"

    ray.get([quick.remote(i) for i in range(5)])
    with contextlib.suppress(Exception):
        ray.get(boom.remote())
    alive = Counter.options(name="counter").remote()  # type: ignore[attr-defined]
    ray.get(alive.add.remote())
    doomed = Doomed.remote()  # type: ignore[attr-defined]
    ray.get(doomed.ping.remote())
    ray.kill(doomed)
    running = long_running.remote(600)

    enable_token_mode()
    from ray.job_submission import JobStatus, JobSubmissionClient
    client = JobSubmissionClient(url)
    job_id = ""
    deadline = time.monotonic() + 90
    while not job_id:
        try:
            job_id = client.submit_job(entrypoint="python -c \"print('sim job done')\"")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    while client.get_job_status(job_id) not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        time.sleep(0.5)
    # the agents report every 5 s, the dashboard merges per-worker stats every 15 s
    # (RAY_DASHBOARD_STATS_UPDATING_INTERVAL): wait for both
    time.sleep(20)

    session = requests.Session()
    session.headers.update(auth_headers(read_auth_token()))
    head_id = ray.get_runtime_context().get_node_id()
    state_timeout = {"timeout": 10}
    running_filter = {"filter_keys": "state", "filter_predicates": "=",
                      "filter_values": "RUNNING"}
    failed_filter = {"filter_keys": "state", "filter_predicates": "=", "filter_values": "FAILED"}
    finished_filter = {"filter_keys": "state", "filter_predicates": "=",
                       "filter_values": "FINISHED"}
    alive_filter = {"filter_keys": "is_alive", "filter_predicates": "=", "filter_values": "True"}
    actors = session.get(url + "/api/v0/actors", params={"detail": "true"}, timeout=10).json()
    alive_actor = next(a for a in actors["data"]["result"]["result"] if a["state"] == "ALIVE")
    actor_id = alive_actor["actor_id"]
    tasks = session.get(url + "/api/v0/tasks", params={"detail": "true", **running_filter},
                        timeout=10).json()["data"]["result"]["result"]
    running_task = next(t for t in tasks if t["name"].endswith("long_running"))
    jobs_raw = session.get(url + "/api/jobs/", timeout=10).json()
    submission_id = job_id

    asks: list[tuple[str, str, dict[str, Any]]] = [
        ("nodes_summary", "/nodes", {"view": "summary"}),
        ("node_head", f"/nodes/{head_id}", {}),
        ("node_gpu", f"/nodes/{gpu_node_id}", {}),
        ("cluster_status", "/api/cluster_status", {}),
        ("profiling_enabled", "/api/profiling_enabled", {}),
        ("version", "/api/version", {}),
        ("v0_nodes", "/api/v0/nodes", {"limit": 10000, "detail": "true", **state_timeout}),
        ("v0_nodes_brief", "/api/v0/nodes", {"limit": 10000, "detail": "false",
                                              **state_timeout}),
        ("v0_actors_alive_limit1", "/api/v0/actors", {"limit": 1, "detail": "false",
                                                      "filter_keys": "state",
                                                      "filter_predicates": "=",
                                                      "filter_values": "ALIVE",
                                                      **state_timeout}),
        ("v0_workers_limit2", "/api/v0/workers", {"limit": 2, "detail": "false", **alive_filter,
                                                  **state_timeout}),
        ("v0_limit_too_big", "/api/v0/tasks", {"limit": 10001, **state_timeout}),
        ("v0_workers", "/api/v0/workers", {"limit": 10000, "detail": "false", **alive_filter,
                                           **state_timeout}),
        ("v0_workers_detail", "/api/v0/workers", {"limit": 10000, "detail": "true",
                                                  **state_timeout}),
        ("v0_actors", "/api/v0/actors", {"limit": 10000, "detail": "false", **state_timeout}),
        ("v0_actors_detail", "/api/v0/actors", {"limit": 10000, "detail": "true",
                                                **state_timeout}),
        ("v0_tasks", "/api/v0/tasks", {"limit": 10000, "detail": "false", **state_timeout}),
        ("v0_tasks_limit2", "/api/v0/tasks", {"limit": 2, "detail": "false", **state_timeout}),
        ("v0_tasks_finished_limit2", "/api/v0/tasks", {"limit": 2, "detail": "false",
                                                       **finished_filter, **state_timeout}),
        ("v0_tasks_running", "/api/v0/tasks", {"limit": 2000, "detail": "false",
                                               **running_filter, **state_timeout}),
        ("v0_tasks_failed_detail", "/api/v0/tasks", {"limit": 100, "detail": "true",
                                                     **failed_filter, **state_timeout}),
        ("v0_tasks_summarize", "/api/v0/tasks/summarize", {"summary_by": "func_name",
                                                           **state_timeout}),
        ("v0_logs_list", "/api/v0/logs", {"node_id": head_id, **state_timeout}),
        ("v0_logs_file_pid", "/api/v0/logs/file", {"node_id": gpu_node_id,
                                                   "pid": running_task["worker_pid"],
                                                   "lines": 50}),
        ("v0_logs_file_actor", "/api/v0/logs/file", {"actor_id": actor_id, "lines": 50}),
        ("v0_logs_file_task", "/api/v0/logs/file", {"task_id": running_task["task_id"],
                                                    "lines": 50}),
        ("jobs_list", "/api/jobs/", {}),
        ("job_one", f"/api/jobs/{submission_id}", {}),
        ("job_logs", f"/api/jobs/{submission_id}/logs", {}),
        ("no_token_nodes_summary", "/nodes", {"view": "summary"}),
        ("wrong_token_nodes_summary", "/nodes", {"view": "summary"}),
    ]
    RECORDINGS.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {"ray_version": ray.__version__, "answers": {}}
    for name, path, params in asks:
        headers = {"Authorization": "Bearer not-the-token"} if name.startswith("wrong") else {}
        asker = requests if name.startswith(("no_token", "wrong")) else session
        response = asker.get(url + path, params=params, headers=headers, timeout=30)
        entry: dict[str, Any] = {"path": path, "params": params, "status": response.status_code,
                                 "content_type": response.headers.get("Content-Type", ""),
                                 "bytes": len(response.content)}
        try:
            body = response.json()
        except ValueError:
            body = None
        if body is not None:
            (RECORDINGS / f"{name}.json").write_text(
                json.dumps(trim(path, body), indent=1, sort_keys=False) + "\n")
            entry["file"] = f"{name}.json"
        else:
            (RECORDINGS / f"{name}.txt").write_bytes(response.content[:4000])
            entry["file"] = f"{name}.txt"
        index["answers"][name] = entry
        print(f"{name:28s} {response.status_code} {len(response.content):8d} B", flush=True)
    index["job_list_count"] = len(jobs_raw) if isinstance(jobs_raw, list) else None
    (RECORDINGS / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    ray.cancel(running, force=True)
    return len(asks)


if __name__ == "__main__":
    sys.exit(main())
