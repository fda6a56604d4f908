"""The simulated dashboard keeps Ray 2.60's recorded shapes and semantics (no Ray needed)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sim import SimCluster, shapes
from tests.sim.cluster import NODE_TICK_S
from tests.sim.process import SimProcess

# dicts keyed by ids or resource names: their keys are data, their values are shape
MAP_PATHS = {
    "data.nodeLogicalResources", "data.detail.actors",
    "data.summary[].raylet.resourcesTotal", "data.detail.raylet.resourcesTotal",
    "data.summary[].raylet.coreWorkersStats[].usedResources",
    "data.detail.workers[].coreWorkerStats[].usedResources",
    "data.detail.actors.*.usedResources",
    "data.clusterStatus.loadMetricsReport.usage",
    "data.clusterStatus.loadMetricsReport.usageByNode",
    "data.clusterStatus.loadMetricsReport.usageByNode.*",
    "data.clusterStatus.loadMetricsReport.nodeTypes[][]",
    "data.clusterStatus.autoscalerReport.activeNodes",
    "data.clusterStatus.autoscalerReport.nodeTypeMapping",
    "data.result.result[].resources_total",
    "data.result.result.node_id_to_summary.cluster.summary",
    "data.result.result.node_id_to_summary.cluster.summary.*.state_counts",
}


# free-form dicts (labels a scheduler sets on some actors): their keys are data
FREE_PATHS = {"data.detail.actors.*.labelSelector", "data.result.result[].label_selector"}


def key_paths(value: Any, path: str = "") -> set[str]:
    """Every key path of a JSON value; lists merge their items, MAP_PATHS merge their values."""
    paths: set[str] = set()
    if path in FREE_PATHS:
        return paths
    if isinstance(value, dict):
        is_map = path in MAP_PATHS
        for key, item in value.items():
            child = f"{path}.{'*' if is_map else key}".lstrip(".")
            paths.add(child)
            paths |= key_paths(item, child)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{path}[]")
    return paths


NODE_DETAILS = {"node_head": "node_gpu", "node_gpu": "node_head"}
SHARED_DETAIL_PARTS = ("data.detail.actors.", "data.detail.workers[]")

GPU_PATHS = {f"data.{where}gpus[].{key}" for where in ("summary[].", "detail.")
             for key in shapes.GPU_KEYS} | {
    f"data.{where}gpus[].processesPids[].{key}" for where in ("summary[].", "detail.")
    for key in shapes.GPU_PROCESS_KEYS}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimCluster]:
    with SimCluster(nodes=6, workers_per_node=8, tasks=300, actors=20, gpus_per_node=2,
                    seed=1) as cluster:
        yield cluster


def get(sim: SimCluster, path: str, token: str | None = "", **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {sim.token if token == '' else token}"} if token is not None else {}
    return requests.get(sim.url + path, params=params, headers=headers, timeout=30)


RUNNING = {"filter_keys": "state", "filter_predicates": "=", "filter_values": "RUNNING"}
FAILED = {"filter_keys": "state", "filter_predicates": "=", "filter_values": "FAILED"}
ALIVE = {"filter_keys": "is_alive", "filter_predicates": "=", "filter_values": "True"}


def asks(sim: SimCluster) -> list[tuple[str, str, dict[str, Any]]]:
    head, other = sim.node_ids[0], sim.node_ids[1]
    running_pid = next(w.pid for w in sim.model.nodes[1].workers if w.task is not None)
    idle_actor = next(a.actor_id for a in sim.model.actors if a.state == "ALIVE")
    return [
        ("nodes_summary", "/nodes", {"view": "summary"}),
        ("node_head", f"/nodes/{head}", {}),
        ("node_gpu", f"/nodes/{other}", {}),
        ("cluster_status", "/api/cluster_status", {}),
        ("profiling_enabled", "/api/profiling_enabled", {}),
        ("version", "/api/version", {}),
        ("v0_nodes", "/api/v0/nodes", {"limit": 10000, "detail": "true"}),
        ("v0_nodes_brief", "/api/v0/nodes", {"limit": 10000, "detail": "false"}),
        ("v0_workers", "/api/v0/workers", {"limit": 10000, **ALIVE}),
        ("v0_workers_detail", "/api/v0/workers", {"limit": 10000, "detail": "true"}),
        ("v0_actors", "/api/v0/actors", {"limit": 10000}),
        ("v0_actors_detail", "/api/v0/actors", {"limit": 10000, "detail": "true"}),
        ("v0_tasks", "/api/v0/tasks", {"limit": 10000}),
        ("v0_tasks_running", "/api/v0/tasks", {"limit": 2000, **RUNNING}),
        ("v0_tasks_failed_detail", "/api/v0/tasks", {"limit": 100, "detail": "true", **FAILED}),
        ("v0_tasks_summarize", "/api/v0/tasks/summarize", {"summary_by": "func_name"}),
        ("v0_logs_list", "/api/v0/logs", {"node_id": other}),
        ("jobs_list", "/api/jobs/", {}),
        ("job_one", "/api/jobs/raysubmit_simulated0000001", {}),
        ("job_logs", "/api/jobs/raysubmit_simulated0000001/logs", {}),
        ("v0_limit_too_big", "/api/v0/tasks", {"limit": 10001}),
        ("v0_logs_file_pid", "/api/v0/logs/file", {"node_id": other, "pid": running_pid,
                                                   "lines": 50}),
        ("v0_logs_file_actor", "/api/v0/logs/file", {"actor_id": idle_actor, "lines": 50}),
    ]


def test_every_answer_has_the_recorded_keys_at_every_level(sim: SimCluster) -> None:
    index = json.loads((shapes.RECORDINGS / "index.json").read_text())["answers"]
    for name, path, params in asks(sim):
        response = get(sim, path, **params)
        assert response.status_code == index[name]["status"], name
        assert response.headers["Content-Type"].split(";")[0] == \
            index[name]["content_type"].split(";")[0], name
        if name == "v0_logs_file_pid":  # a busy worker: the last `lines` lines
            recorded_text = (shapes.RECORDINGS / f"{name}.txt").read_text()
            assert response.text.count("\n") == recorded_text.count("\n") == 50, name
            continue
        if name == "v0_logs_file_actor":  # an idle actor: Ray's two marker lines
            recorded_text = (shapes.RECORDINGS / f"{name}.txt").read_text()
            assert [line.split(":")[1] for line in response.text.splitlines()] == \
                [line.split(":")[1] for line in recorded_text.splitlines()], name
            continue
        served = key_paths(response.json())
        recorded = key_paths(shapes.recording(name))
        if name in NODE_DETAILS:  # live and dead actors, merged workers: from either node
            other = key_paths(shapes.recording(NODE_DETAILS[name]))
            recorded |= {p for p in other if p.startswith(SHARED_DETAIL_PARTS)}
        assert served - GPU_PATHS == recorded - GPU_PATHS, (
            name, sorted(served - recorded), sorted(recorded - served))


def test_gpus_carry_ray_2_60s_keys_in_mb(sim: SimCluster) -> None:
    node = sim.model.nodes[2]
    detail = get(sim, f"/nodes/{node.node_id}").json()["data"]["detail"]
    assert [tuple(g) for g in detail["gpus"]] == [shapes.GPU_KEYS] * 2
    for gpu in detail["gpus"]:
        assert gpu["memoryTotal"] == 81_920  # MB, as the agent divides by 1024**2
        assert 0 <= gpu["memoryUsed"] <= gpu["memoryTotal"]
        for proc in gpu["processesPids"]:
            assert tuple(proc) == shapes.GPU_PROCESS_KEYS
    sim.set_gpu_utilization(node.node_id, 77)
    try:
        detail = get(sim, f"/nodes/{node.node_id}").json()["data"]["detail"]
        assert [g["utilizationGpu"] for g in detail["gpus"]] == [77, 77]
        users = {p["pid"] for g in detail["gpus"] for p in g["processesPids"]}
        by_pid = {w["pid"]: w for w in detail["workers"]}
        assert users and all(by_pid[pid]["gpuUtilization"] == 77 for pid in users)
        summary = get(sim, "/nodes", view="summary").json()["data"]["summary"]
        assert [g["utilizationGpu"] for g in summary[2]["gpus"]] == [77, 77]
    finally:
        sim.set_gpu_utilization(node.node_id, None)


def test_no_token_is_401_a_wrong_one_403_as_recorded(sim: SimCluster) -> None:
    index = json.loads((shapes.RECORDINGS / "index.json").read_text())["answers"]
    for name, token in (("no_token_nodes_summary", None), ("wrong_token_nodes_summary", "x")):
        answer = get(sim, "/nodes", token=token, view="summary")
        assert answer.status_code == index[name]["status"]
        assert answer.text == (shapes.RECORDINGS / f"{name}.txt").read_text()
        assert answer.headers["Content-Type"].split(";")[0] == \
            index[name]["content_type"].split(";")[0]
    assert get(sim, "/api/v0/tasks").status_code == 200
    assert sim.token and sim.token not in get(sim, "/sim/stats", token=None).text


def test_processes_carry_ray_s_padded_cmdline(sim: SimCluster) -> None:
    detail = get(sim, f"/nodes/{sim.node_ids[1]}").json()["data"]["detail"]
    idle = next(p for p in detail["workers"] if p["cmdline"][0] == "ray::IDLE")
    assert len(idle["cmdline"]) == 1 + shapes.recorded_pad("worker")
    assert set(idle["cmdline"][1:]) == {""}
    assert shapes.recorded_pad("worker") > 800


def counts(body: dict[str, Any]) -> tuple[int, int, int, int]:
    result = body["data"]["result"]
    return (len(result["result"]), result["total"], result["num_after_truncation"],
            result["num_filtered"])


def test_lists_are_cut_at_10000_and_total_counts_as_ray_does() -> None:
    with SimCluster(nodes=100, workers_per_node=120, tasks=30_000, actors=0,
                    running_tasks=11_000, failed_tasks=50) as big:
        workers = get(big, "/api/v0/workers", limit=10000, **ALIVE).json()
        # total: every worker of the GCS table; num_filtered: counted after the cut
        assert counts(workers) == (10_000, 12_001, 10_000, 10_000)
        running = get(big, "/api/v0/tasks", limit=2000, **RUNNING).json()
        # the state filter runs inside the GCS: total counts every running task
        assert counts(running) == (2_000, 11_000, 10_000, 10_000)
        assert {r["state"] for r in running["data"]["result"]["result"]} == {"RUNNING"}
        summary = get(big, "/api/v0/tasks/summarize", summary_by="func_name").json()
        result = summary["data"]["result"]
        assert (result["total"], result["num_after_truncation"]) == (30_000, 10_000)
        groups = result["result"]["node_id_to_summary"]["cluster"]["summary"].values()
        states: dict[str, int] = {}
        for group in groups:
            for state, n in group["state_counts"].items():
                states[state] = states.get(state, 0) + n
        # built from the 10,000 newest finished rows: no RUNNING count at all
        assert "RUNNING" not in states and sum(states.values()) == 10_000
        too_big = get(big, "/api/v0/tasks", limit=10001)
        assert too_big.status_code == 400 and too_big.json()["result"] is False


def test_small_lists_count_everything_and_dead_workers_stay_in_total(sim: SimCluster) -> None:
    alive = sim.counts()["alive_workers"]
    dead = sum(1 for w in sim.model.all_workers() if not w.alive)
    assert dead > 0
    workers = get(sim, "/api/v0/workers", limit=10000, **ALIVE).json()
    assert counts(workers) == (alive, alive + dead, alive, alive)
    summary = get(sim, "/api/v0/tasks/summarize").json()["data"]["result"]
    states: dict[str, int] = {}
    for group in summary["result"]["node_id_to_summary"]["cluster"]["summary"].values():
        for state, n in group["state_counts"].items():
            states[state] = states.get(state, 0) + n
    assert states["RUNNING"] == sim.counts()["tasks_running"]
    limited = get(sim, "/api/v0/tasks", limit=2).json()
    every = 300 + 20  # 300 tasks and each actor's creation task
    assert counts(limited) == (2, every, every, every)  # as recorded: limit cuts rows only
    cluster = summary["result"]["node_id_to_summary"]["cluster"]
    assert (cluster["total_tasks"], cluster["total_actor_scheduled"]) == (300, 20)


def test_stats_count_requests_and_bytes_by_normalised_path(sim: SimCluster) -> None:
    sim.reset_stats()
    sizes = [len(get(sim, f"/nodes/{node_id}").content) for node_id in sim.node_ids[:3]]
    sizes_summary = len(get(sim, "/nodes", view="summary").content)
    stats = sim.stats()
    assert stats["/nodes/{id}"] == {"requests": 3, "bytes": sum(sizes)}
    assert stats["/nodes"] == {"requests": 1, "bytes": sizes_summary}
    assert get(sim, "/sim/stats", token=None).json() == stats


def test_latency_delays_every_request(sim: SimCluster) -> None:
    sim.set_latency(0.5)
    try:
        start = time.perf_counter()
        assert get(sim, "/api/version").status_code == 200
        assert time.perf_counter() - start >= 0.5
    finally:
        sim.set_latency(0.0)


def test_node_figures_move_every_5_s_worker_figures_every_15_s(sim: SimCluster) -> None:
    model = sim.model
    node_id = sim.node_ids[1]
    clock = [model.t0 + 0.5]
    real_now = model.now
    model.now = lambda: clock[0]  # type: ignore[method-assign]
    try:
        def sample() -> tuple[float, dict[int, float]]:
            detail = get(sim, f"/nodes/{node_id}").json()["data"]["detail"]
            return detail["cpu"], {p["pid"]: p["cpuPercent"] for p in detail["workers"]}

        cpu0, workers0 = sample()
        assert sample() == (cpu0, workers0)  # same tick, same figures
        changed_nodes = changed_workers = 0
        for tick in range(1, 3):  # 5 s and 10 s later: still the first 15 s
            clock[0] = model.t0 + 0.5 + tick * NODE_TICK_S
            cpu, workers = sample()
            changed_nodes += cpu != cpu0
            changed_workers += workers != workers0
        assert changed_nodes >= 1 and changed_workers == 0
        clock[0] = model.t0 + 15.5
        assert sample()[1] != workers0
    finally:
        model.now = real_now  # type: ignore[method-assign]


def test_kill_node_makes_it_dead_with_an_end_time() -> None:
    with SimCluster(nodes=3, workers_per_node=4, tasks=40, actors=3) as small:
        victim = small.node_ids[2]
        running_before = small.counts()["tasks_running"]
        small.kill_node(victim)
        nodes = get(small, "/api/v0/nodes", limit=100, detail="true").json()
        row = next(r for r in nodes["data"]["result"]["result"] if r["node_id"] == victim)
        assert row["state"] == "DEAD" and row["end_time_ms"] > 0
        summary = get(small, "/nodes", view="summary").json()["data"]["summary"]
        assert summary[2]["raylet"]["state"] == "DEAD"
        workers = get(small, "/api/v0/workers", limit=100, **ALIVE).json()
        assert victim not in {w["node_id"] for w in workers["data"]["result"]["result"]}
        assert small.counts()["tasks_running"] < running_before


def test_jobs_and_logs_answer_by_id(sim: SimCluster) -> None:
    assert get(sim, "/api/jobs/nope").status_code == 404
    task = next(i for i, s in enumerate(sim.model.tasks.states) if s == "RUNNING")
    name = sim.model.tasks.funcs[task]
    text = get(sim, "/api/v0/logs/file", task_id=sim.model.tasks.ids[task]).text
    assert text.startswith(f":job_id:01000000\n:task_name:{name}\n")
    tail = get(sim, "/api/v0/logs/file", task_id=sim.model.tasks.ids[task], lines=5).text
    assert tail.splitlines() == text.splitlines()[-5:]
    actor = sim.model.actors[0]
    text = get(sim, "/api/v0/logs/file", actor_id=actor.actor_id).text
    assert f":actor_name:{actor.class_name}" in text


def test_a_summary_carries_the_agent_s_padded_cmdline_like_ray_s(sim: SimCluster) -> None:
    response = get(sim, "/nodes", view="summary")
    for entry in response.json()["data"]["summary"]:
        recorded = shapes.summary_entry_template(entry["raylet"]["isHeadNode"])
        assert len(entry["agent"]["cmdline"]) == len(recorded["agent"]["cmdline"]) > 1000
    per_node = len(response.content) / len(sim.node_ids)
    assert per_node > 16_000, per_node  # 8 workers a node; without the padding ~14 KB


def test_the_sim_runs_in_a_process_of_its_own_and_stops() -> None:
    with SimProcess(nodes=3, workers=4, tasks=20, actors=2) as sim:
        headers = {"Authorization": f"Bearer {sim.token}"}
        nodes = requests.get(sim.url + "/api/v0/nodes", params={"limit": 10}, headers=headers,
                             timeout=30).json()
        assert nodes["data"]["result"]["total"] == 3
        assert sim.stats()["/api/v0/nodes"]["requests"] == 1
        process = sim._process
        assert process is not None
    assert process.poll() is not None  # stopped


def test_an_unknown_node_gets_ray_s_empty_detail(sim: SimCluster) -> None:
    detail = get(sim, "/nodes/" + "0" * 56).json()["data"]["detail"]
    assert detail["workers"] == [] and detail["actors"] == {}
