"""The dashboard's node endpoints: what Ray's own agent measures on every node.

- `GET /nodes?view=summary`: node CPU percent and memory, one entry per node, and the
  raylet's list of its workers (`coreWorkersStats`: pid, workerId, workerType), which
  completes the state API's worker list when that is cut at 10,000 rows;
- `GET /nodes/{node_id}`: the node's processes with `cpuPercent`, `memoryInfo.rss`
  and `cmdline` (the process title, e.g. `ray::fibonacci_distributed`). The agent
  samples these with psutil about every 5 s, so they lag; the collector uses them
  for nodes psutil cannot see;
- `GET /api/cluster_status`: logical resource usage per node (CPUs allocated), as the
  autoscaler monitor last saw it: it lags the truth by up to about 5 s.

GPUs: each node's `gpus[]` (Ray's `GpuUtilizationInfo`: `memoryUsed`/`memoryTotal` in
MiB, `utilizationGpu` in percent or null, `processesPids` [{pid, gpuMemoryUsage MiB}]);
a worker's own `gpuMemoryUsage` (MiB) and `gpuUtilization` sit on its process entry.
USS: `memoryFullInfo.uss` where Ray collects it (macOS only; null on Linux).
Spilled bytes: the raylet's `storeStats.spilledBytesTotal` (absent until something spills).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.model import Gpu
from tui.core.sources.http import DashboardHttp, SourceError

MIB = 1024 * 1024  # Ray's reporter sends GPU memory in MiB (gpu_providers.MB)


@dataclass(frozen=True)
class NodeStats:
    cpu_percent: float
    memory_used_bytes: int
    memory_total_bytes: int
    hostname: str = ""
    gpus: tuple[Gpu, ...] = ()
    spilled_bytes: int = 0
    workers: tuple[RayletWorker, ...] = ()  # the raylet's own list of its workers


@dataclass(frozen=True)
class RayletWorker:
    worker_id: str
    pid: int
    worker_type: str


@dataclass(frozen=True)
class ProcessStats:
    cpu_percent: float  # of one core
    rss_bytes: int
    title: str
    uss_bytes: int | None = None  # where reported
    gpu_memory_bytes: int | None = None  # where reported (a node with GPUs)
    gpu_percent: float | None = None


@dataclass(frozen=True)
class LogicalUsage:
    cpus_used: float
    cpus_total: float
    object_store_used_bytes: int
    object_store_total_bytes: int
    gpus_used: float = 0.0
    gpus_total: float = 0.0


@dataclass(frozen=True)
class ClusterStatus:
    usage_by_node: dict[str, LogicalUsage]
    pending_demands: int  # tasks/actors waiting for resources, as the autoscaler sees them


class DashboardSource:
    def __init__(self, http: DashboardHttp) -> None:
        self.http = http

    def node_stats(self) -> dict[str, NodeStats]:
        data = self.http.get("/nodes", {"view": "summary"})
        stats = {}
        for entry in _as_list(data.get("summary")):
            node_id = str((entry.get("raylet") or {}).get("nodeId") or "")
            if not node_id:
                continue
            mem = entry.get("mem") or []  # [total, available, percent, used]
            total = int(mem[0]) if len(mem) > 0 else 0
            available = int(mem[1]) if len(mem) > 1 else 0
            raylet = entry.get("raylet") or {}
            store = raylet.get("storeStats") or {}
            stats[node_id] = NodeStats(
                cpu_percent=float(entry.get("cpu") or 0.0),
                memory_used_bytes=max(0, total - available),
                memory_total_bytes=total,
                hostname=str(entry.get("hostname") or ""),
                gpus=gpus(entry.get("gpus")),
                spilled_bytes=int(store.get("spilledBytesTotal") or 0),
                workers=tuple(RayletWorker(str(w.get("workerId") or ""), int(w["pid"]),
                                           str(w.get("workerType") or "WORKER"))
                              for w in _as_list(raylet.get("coreWorkersStats")) if w.get("pid")),
            )
        return stats

    def node_processes(self, node_id: str) -> dict[int, ProcessStats]:
        data = self.http.get(f"/nodes/{node_id}")
        detail = data.get("detail") if isinstance(data, dict) else None
        if not isinstance(detail, dict):
            raise SourceError(f"/nodes/{node_id[:8]}: unexpected answer")
        devices = _as_list(detail.get("gpus"))
        has_gpus = bool(devices)
        gpu_mib_by_pid: dict[int, float] = {}  # what each process holds, over all GPUs
        for gpu in devices:
            users = gpu.get("processesPids") or []
            for user in users.values() if isinstance(users, dict) else users:
                if isinstance(user, dict) and user.get("pid"):
                    pid_ = int(user["pid"])
                    gpu_mib_by_pid[pid_] = (gpu_mib_by_pid.get(pid_, 0.0)
                                            + float(user.get("gpuMemoryUsage") or 0))
        processes = {}
        for proc in _as_list(detail.get("workers")):
            pid = proc.get("pid")
            if not pid:
                continue
            cmdline = proc.get("cmdline") or []
            full = proc.get("memoryFullInfo") or {}
            gpu_mib = gpu_mib_by_pid.get(int(pid), proc.get("gpuMemoryUsage"))
            gpu_percent = proc.get("gpuUtilization")
            processes[int(pid)] = ProcessStats(
                cpu_percent=float(proc.get("cpuPercent") or 0.0),
                rss_bytes=int((proc.get("memoryInfo") or {}).get("rss") or 0),
                # the title, then ~890 empty strings: join only the parts that say something
                title=" ".join(part for part in cmdline if part)[:200],
                uss_bytes=int(full["uss"]) if isinstance(full, dict) and full.get("uss") else None,
                gpu_memory_bytes=int(float(gpu_mib) * MIB) if has_gpus and gpu_mib is not None
                else None,
                gpu_percent=float(gpu_percent) if has_gpus and gpu_percent is not None else None,
            )
        return processes

    def cluster_status(self) -> ClusterStatus:
        data = self.http.get("/api/cluster_status")
        try:
            report = data["clusterStatus"]["loadMetricsReport"]
        except (KeyError, TypeError):
            raise SourceError("/api/cluster_status: unexpected answer") from None
        usage = {}
        for node_id, resources in (report.get("usageByNode") or {}).items():
            cpu = resources.get("CPU") or [0.0, 0.0]
            store = resources.get("objectStoreMemory") or [0, 0]
            gpu = resources.get("GPU") or [0.0, 0.0]
            usage[str(node_id)] = LogicalUsage(float(cpu[0]), float(cpu[1]),
                                               int(store[0]), int(store[1]),
                                               float(gpu[0]), float(gpu[1]))
        pending = sum(int(count) for _shape, count in (report.get("resourceDemand") or []))
        return ClusterStatus(usage_by_node=usage, pending_demands=pending)


def gpus(entries: Any) -> tuple[Gpu, ...]:
    """A node's `gpus[]` as `Gpu`s (memory from MiB to bytes)."""
    devices = []
    for gpu in _as_list(entries):
        utilization = gpu.get("utilizationGpu")
        devices.append(Gpu(
            index=int(gpu.get("index") or 0),
            name=str(gpu.get("name") or ""),
            uuid=str(gpu.get("uuid") or ""),
            utilization_percent=float(utilization) if utilization is not None else None,
            memory_used_bytes=int(float(gpu.get("memoryUsed") or 0) * MIB),
            memory_total_bytes=int(float(gpu.get("memoryTotal") or 0) * MIB),
        ))
    return tuple(devices)


def _as_list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
