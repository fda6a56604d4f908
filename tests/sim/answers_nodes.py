"""The node endpoints' answers: `/nodes?view=summary`, `/nodes/{id}`, `/api/cluster_status`.

Each is a recorded Ray 2.60 answer (tests/sim/shapes.py) with the simulated values put
in. The summary carries, per node, the raylet's per-worker `coreWorkersStats` and the
agent's padded `cmdline`, which is why it is ~23 KB a node.
"""

from __future__ import annotations

from typing import Any

from tests.sim import shapes
from tests.sim.cluster import (
    GIB,
    JOB_ID,
    NIL_ACTOR,
    WORKER_TICK_S,
    SimActor,
    SimModel,
    SimNode,
    SimWorker,
)

GPU_NAME = "NVIDIA A100-SXM4-80GB"


def _title(model: SimModel, worker: SimWorker) -> str:
    if worker.task is not None:
        return f"ray::{model.tasks.funcs[worker.task]}"
    if worker.actor is not None:
        return f"ray::{model.actors[worker.actor].class_name}"
    return "ray::IDLE"


def _mem(model: SimModel, node: SimNode) -> list[Any]:
    used = model.node_memory_used(node)
    total = node.memory_total
    return [total, total - used, round(100.0 * used / total, 1), used]


def _gpus(model: SimModel, node: SimNode) -> list[dict[str, Any]]:
    entries = []
    for gpu in node.gpus:
        worker = model.gpu_worker(node, gpu)
        util = model.gpu_utilization(node, gpu)
        used_mb = int(gpu.memory_total_mb * util / 100 * 0.8)
        procs = [(worker.pid, used_mb, util)] if worker is not None and node.state == "ALIVE" else []
        entries.append(shapes.gpu_entry(gpu.index, GPU_NAME, gpu.uuid, util, used_mb,
                                        gpu.memory_total_mb, procs))
    return entries


def _gpu_of(model: SimModel, node: SimNode, worker: SimWorker) -> tuple[int, int]:
    mem = util = 0
    for gpu in node.gpus:
        if model.gpu_worker(node, gpu) is worker:
            u = model.gpu_utilization(node, gpu)
            util += u
            mem += int(gpu.memory_total_mb * u / 100 * 0.8)
    return mem, util


def _process(model: SimModel, kind: str, pid: int, title: str, cpu: float,
             rss: int, gpu: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """One process of `/nodes/{id}` `workers[]`, copied from the recorded one of that kind."""
    template = shapes.process_template(kind)
    return shapes.fill(
        template, pid=pid, createTime=model.base_ms / 1000 - 600,
        cpuPercent=cpu, cmdline=shapes.padded_cmdline(title, shapes.recorded_pad(kind)),
        memoryInfo={**template["memoryInfo"], "rss": float(rss), "vms": float(rss * 8)},
        gpuMemoryUsage=gpu[0], gpuUtilization=gpu[1])


def _core_worker_stats(model: SimModel, node: SimNode, worker: SimWorker) -> dict[str, Any]:
    actor = model.actors[worker.actor] if worker.actor is not None else None
    running = worker.task is not None
    kind = ("DRIVER" if worker.worker_type == "DRIVER" else "actor" if actor
            else "busy" if running else "idle")
    template = shapes.core_worker_stats_template(kind)
    values: dict[str, Any] = dict(
        ipAddress=node.ip, port=str(20_000 + worker.pid % 40_000),
        actorId=actor.actor_id if actor else NIL_ACTOR,
        jobId=JOB_ID if worker.worker_type == "DRIVER" or running or actor else "ffffffff",
        workerId=worker.worker_id, pid=worker.pid, workerType=worker.worker_type,
        numRunningTasks="1" if running else "0",
        numExecutedTasks=int(model.noise("done", worker.pid) * 50))
    if kind == "busy":
        values["usedResources"] = {"CPU": {"resourceSlots": [{"allocation": 1.0, "slot": "0"}]}}
    return shapes.fill(template, **values)


def _raylet(model: SimModel, node: SimNode, template: dict[str, Any],
            with_workers: bool) -> dict[str, Any]:
    resources = {"objectStoreMemory": float(4 * GIB), "CPU": float(node.cpus),
                 f"node:{node.ip}": 1.0, "memory": float(node.memory_total)}
    if node.gpus:
        resources["GPU"] = float(len(node.gpus))
    if node.is_head:
        resources["node:InternalHead"] = 1.0
    values: dict[str, Any] = dict(
        numWorkers=sum(1 for w in node.workers if w.worker_type == "WORKER"),
        nodeId=node.node_id, nodeManagerAddress=node.ip, nodeManagerHostname=f"sim-{node.index}",
        resourcesTotal=resources, nodeName=node.ip, startTimeMs=str(node.start_ms),
        isHeadNode=node.is_head, labels={"ray.io/node-id": node.node_id}, state=node.state,
        endTimeMs=str(node.end_ms),
        stateMessage="Unexpected termination: the node was killed by the sim."
        if node.state == "DEAD" else None)
    if with_workers:
        values["coreWorkersStats"] = [_core_worker_stats(model, node, w) for w in node.workers]
    return shapes.fill(template, **values)


_TEXT_VERSION: dict[int, int] = {}  # id(model) -> the state version its raylet texts are of


def _raylet_text(model: SimModel, node: SimNode, template: dict[str, Any],
                 with_workers: bool) -> str:
    """The raylet part, encoded once per state version (it holds no per-tick figure)."""
    prefix = f"{id(model)}:raylet:"
    if _TEXT_VERSION.get(id(model)) != model.version:
        shapes.forget_raw(prefix)  # a new state version: drop the old texts
        _TEXT_VERSION[id(model)] = model.version
    key = f"{prefix}{node.index}:{with_workers}"
    return shapes.raw(key, lambda: _raylet(model, node, template, with_workers))


def _node_common(model: SimModel, node: SimNode, template: dict[str, Any],
                 with_core_workers: bool) -> dict[str, Any]:
    agent_cpu = round(2 * model.noise("agent", node.index, model.tick(WORKER_TICK_S)), 1)
    recorded = template["agent"]  # the agent entry has fewer keys than a worker process
    agent = shapes.fill(
        recorded, pid=node.agent_pids[0], cpuPercent=agent_cpu,
        cmdline=shapes.padded_cmdline("ray::DashboardAgent",
                                      sum(1 for part in recorded["cmdline"] if part == "")),
        memoryInfo={**recorded["memoryInfo"], "rss": float(140 * 2**20)})
    values: dict[str, Any] = dict(
        now=model.now(), hostname=f"sim-{node.index}", ip=node.ip,
        cpu=model.node_cpu_percent(node), cpus=[node.cpus, node.cpus // 2],
        mem=_mem(model, node), hostMem=[model.node_memory_used(node), node.memory_total],
        cgroupMem=[model.node_memory_used(node), node.memory_total],
        raylet=_raylet_text(model, node, template["raylet"], with_core_workers), agent=agent,
        gpus=_gpus(model, node))
    return shapes.fill(template, **values)


def summary_entry(model: SimModel, node: SimNode) -> dict[str, Any]:
    template = shapes.summary_entry_template(node.is_head)
    return _node_common(model, node, template, with_core_workers=True)


def nodes_summary(model: SimModel) -> dict[str, Any]:
    body = shapes.clone(shapes.recording("nodes_summary"))
    body["data"]["summary"] = [summary_entry(model, n) for n in model.nodes]
    body["data"]["nodeLogicalResources"] = {n.node_id: _logical_text(model, n)
                                            for n in model.nodes if n.state == "ALIVE"}
    return body


def _logical_text(model: SimModel, node: SimNode) -> str:
    busy = sum(1 for w in node.workers if w.task is not None)
    lines = [f"{float(busy)}/{float(node.cpus)} CPU"]
    if node.gpus:
        lines.append(f"0.0/{float(len(node.gpus))} GPU")
    lines += [f"0B/{node.memory_total / GIB:.2f}GiB memory",
              "0B/4.00GiB object_store_memory"]
    return "\n".join(lines)


def node_detail(model: SimModel, node: SimNode) -> dict[str, Any]:
    template = shapes.detail_template(node.is_head)
    detail = _node_common(model, node, template, with_core_workers=False)
    procs = [_process(model, "ray::DashboardAgent", node.agent_pids[0], "ray::DashboardAgent",
                      detail["agent"]["cpuPercent"], 140 * 2**20),
             _process(model, "ray::RuntimeEnvAgent", node.agent_pids[1],
                      "ray::RuntimeEnvAgent", 0.0, 90 * 2**20)]
    by_pid: dict[int, dict[str, Any]] = {}
    for worker in node.workers:
        if worker.worker_type != "WORKER":
            continue  # a driver is no child of the raylet
        proc = _process(model, "worker", worker.pid, _title(model, worker),
                        model.worker_cpu_percent(worker), model.worker_rss(worker),
                        _gpu_of(model, node, worker))
        # DataOrganizer merges the raylet's stats of the worker into its process entry
        stats = _core_worker_stats(model, node, worker)
        proc.update(coreWorkerStats=[stats], language=stats["language"], jobId=stats["jobId"])
        procs.append(proc)
        by_pid[worker.pid] = proc
    detail["workers"] = procs
    detail["actors"] = {a.actor_id: _node_actor(model, node, a, by_pid, detail)
                        for a in model.actors if a.node == node.index}
    body = shapes.clone(shapes.recording("node_gpu"))
    body["data"]["detail"] = detail
    return body


def _node_actor(model: SimModel, node: SimNode, actor: SimActor,
                procs: dict[int, dict[str, Any]], detail: dict[str, Any]) -> dict[str, Any]:
    """An actor of the node, as DataOrganizer._get_actor_info builds it: a live one carries
    its worker's core stats, process stats and GPUs; a dead one only its table entry."""
    proc = procs.get(actor.pid) if actor.state == "ALIVE" else None
    template = shapes.node_actor_template(merged=proc is not None)
    worker_port = 20_000 + actor.pid % 40_000
    values: dict[str, Any] = dict(
        actorId=actor.actor_id, jobId=JOB_ID, name=actor.name, className=actor.class_name,
        address={"nodeId": node.node_id, "ipAddress": node.ip, "port": worker_port,
                 "workerId": actor.worker_id},
        state=actor.state, pid=actor.pid, timestamp=float(actor.end_ms or actor.start_ms),
        startTime=actor.start_ms, endTime=actor.end_ms, actorClass=actor.class_name,
        exitDetail=actor.death_message or "-", mem=detail["mem"], processStats=None, gpus=[])
    if proc is not None:
        stats = proc["coreWorkerStats"][0]
        values.update({k: v for k, v in stats.items() if k in template})
        values["processStats"] = {k: v for k, v in proc.items()
                                  if k in template["processStats"]}
        values["gpus"] = [g for g in detail["gpus"]
                          if any(p["pid"] == actor.pid for p in g["processesPids"] or [])]
    return shapes.fill(template, **values)


def cluster_status(model: SimModel) -> dict[str, Any]:
    body = shapes.clone(shapes.recording("cluster_status"))
    status = body["data"]["clusterStatus"]
    report = status["loadMetricsReport"]
    alive = [n for n in model.nodes if n.state == "ALIVE"]
    by_node: dict[str, Any] = {}
    totals: dict[str, list[float]] = {}
    for node in alive:
        busy = float(sum(1 for w in node.workers if w.task is not None))
        usage = {"CPU": [busy, float(node.cpus)],
                 "memory": [0.0, float(node.memory_total)],
                 "objectStoreMemory": [0.0, float(4 * GIB)],
                 f"node:{node.ip}": [0.0, 1.0]}
        if node.gpus:
            usage["GPU"] = [0.0, float(len(node.gpus))]
        by_node[node.node_id] = usage
        for key, (used, total) in usage.items():
            acc = totals.setdefault(key, [0.0, 0.0])
            acc[0] += used
            acc[1] += total
    report["usageByNode"] = by_node
    report["usage"] = totals
    report["nodeTypes"] = [[{"CPU": float(n.cpus), "memory": float(n.memory_total)}, 1]
                           for n in alive[:1]]
    auto = status["autoscalerReport"]
    auto["activeNodes"] = {"node" + n.node_id.title(): 1 for n in alive}
    auto["nodeTypeMapping"] = {n.node_id: f"node_{n.node_id}" for n in alive}
    status["time"] = model.now()
    cpu = totals.get("CPU", [0.0, 0.0])
    body["data"]["autoscalingStatus"] = (
        f"Cluster status: {len(alive)} nodes\n - ResourceUsage: {cpu[0]}/{cpu[1]} CPU")
    return body
