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

import msgspec

from tui.core.model import Gpu
from tui.core.sources.http import DashboardHttp, Envelope, SourceError

MIB = 1024 * 1024  # Ray's reporter sends GPU memory in MiB (gpu_providers.MB)
TITLES_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class NodeStats:
    cpu_percent: float
    memory_used_bytes: int
    memory_total_bytes: int
    hostname: str = ""
    gpus: tuple[Gpu, ...] = ()
    spilled_bytes: int = 0
    workers: tuple[RayletWorker, ...] = ()  # the raylet's own list of its workers


@dataclass(frozen=True, slots=True)
class RayletWorker:
    worker_id: str
    pid: int
    worker_type: str


@dataclass(frozen=True, slots=True)
class ProcessStats:
    cpu_percent: float  # of one core
    rss_bytes: int
    title: str
    uss_bytes: int | None = None  # where reported
    gpu_memory_bytes: int | None = None  # where reported (a node with GPUs)
    gpu_percent: float | None = None


@dataclass(frozen=True, slots=True)
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
        # node id -> (the raylet's worker list as decoded, the tuple built from it): an
        # unchanged list gives the same tuple, so the join can tell it unchanged cheaply
        self._raylet_workers: dict[str, tuple[list[_RayletWorker], tuple[RayletWorker, ...]]] = {}
        # process titles seen, each kept once: most workers share a few ("ray::IDLE"),
        # and every node's answer brought its own copies (14,000 strings at 1,000 nodes)
        self._titles: dict[str, str] = {}

    def node_stats(self) -> dict[str, NodeStats]:
        data: _SummaryData | None = self.http.get_typed("/nodes", _SummaryAnswer,
                                                        {"view": "summary"}, keep="summary")
        stats = {}
        known = self._raylet_workers
        seen: dict[str, tuple[list[_RayletWorker], tuple[RayletWorker, ...]]] = {}
        for entry in data.summary if data else ():
            raylet = entry.raylet or _Raylet()
            node_id = str(raylet.nodeId or "")
            if not node_id:
                continue
            mem = entry.mem if isinstance(entry.mem, list) else []  # [total, available, ...]
            total = int(mem[0]) if len(mem) > 0 else 0
            available = int(mem[1]) if len(mem) > 1 else 0
            listed = raylet.coreWorkersStats or []
            last = known.get(node_id)
            if last is not None and last[0] == listed:
                workers = last[1]
            else:
                workers = tuple(RayletWorker(str(w.workerId or ""), int(w.pid),
                                             str(w.workerType or "WORKER"))
                                for w in listed if w.pid)
            seen[node_id] = (listed, workers)
            stats[node_id] = NodeStats(
                cpu_percent=float(entry.cpu or 0.0),
                memory_used_bytes=max(0, total - available),
                memory_total_bytes=total,
                hostname=str(entry.hostname or ""),
                gpus=gpus(entry.gpus),
                spilled_bytes=int((raylet.storeStats or _Store()).spilledBytesTotal or 0),
                workers=workers,
            )
        self._raylet_workers = seen
        return stats

    def node_processes(self, node_id: str) -> dict[int, ProcessStats]:
        data: _DetailData | None = self.http.get_typed(f"/nodes/{node_id}", _DetailAnswer)
        detail = data.detail if data else None
        if detail is None:
            raise SourceError(f"/nodes/{node_id[:8]}: unexpected answer")
        devices = _as_list(detail.gpus)
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
        for proc in detail.workers or ():
            pid = proc.pid
            if not pid:
                continue
            cmdline = proc.cmdline if isinstance(proc.cmdline, list) else []
            full = proc.memoryFullInfo
            memory = proc.memoryInfo if isinstance(proc.memoryInfo, dict) else {}
            gpu_mib = gpu_mib_by_pid.get(int(pid), proc.gpuMemoryUsage)
            gpu_percent = proc.gpuUtilization
            processes[int(pid)] = ProcessStats(
                cpu_percent=float(proc.cpuPercent or 0.0),
                rss_bytes=int(memory.get("rss") or 0),
                # the title, then ~890 empty strings: join only the parts that say something
                title=self._title(" ".join(filter(None, cmdline))[:200]),
                uss_bytes=int(full["uss"]) if isinstance(full, dict) and full.get("uss") else None,
                gpu_memory_bytes=int(float(gpu_mib) * MIB) if has_gpus and gpu_mib is not None
                else None,
                gpu_percent=float(gpu_percent) if has_gpus and gpu_percent is not None else None,
            )
        return processes

    def _title(self, title: str) -> str:
        kept = self._titles.setdefault(title, title)
        if len(self._titles) > TITLES_KEPT:  # titles naming their arguments: no end to them
            self._titles = {title: title}
        return kept

    def cluster_status(self) -> ClusterStatus:
        data: _StatusData | None = self.http.get_typed("/api/cluster_status", _StatusAnswer)
        report = data.clusterStatus.loadMetricsReport if data and data.clusterStatus else None
        if report is None:
            raise SourceError("/api/cluster_status: unexpected answer")
        usage = {}
        for node_id, resources in (report.usageByNode or {}).items():
            cpu = resources.get("CPU") or [0.0, 0.0]
            store = resources.get("objectStoreMemory") or [0, 0]
            gpu = resources.get("GPU") or [0.0, 0.0]
            usage[str(node_id)] = LogicalUsage(float(cpu[0]), float(cpu[1]),
                                               int(store[0]), int(store[1]),
                                               float(gpu[0]), float(gpu[1]))
        pending = sum(int(count) for _shape, count in (report.resourceDemand or []))
        return ClusterStatus(usage_by_node=usage, pending_demands=pending)


# What raytui reads of each answer (Ray's camelCase keys); every other key is skipped
# unparsed. Fields are `Any` where Ray's types vary (numbers as strings, nulls), and
# converted as before. `gc=False`: decoded JSON holds no reference cycles, and 20,000
# short-lived structs a summary would otherwise bring the cyclic GC's full collections
# (which walk every snapshot the History keeps) several times as often.

class _RayletWorker(msgspec.Struct, gc=False):
    pid: Any = None
    workerId: Any = None
    workerType: Any = None


class _Store(msgspec.Struct, gc=False):
    spilledBytesTotal: Any = None


class _Raylet(msgspec.Struct, gc=False):
    nodeId: Any = None
    storeStats: _Store | None = None
    coreWorkersStats: list[_RayletWorker] | None = None


class _SummaryEntry(msgspec.Struct, gc=False):
    hostname: Any = None
    cpu: Any = None
    mem: Any = None
    gpus: Any = None
    raylet: _Raylet | None = None


class _SummaryData(msgspec.Struct, gc=False):
    summary: list[_SummaryEntry] = []


class _SummaryAnswer(Envelope):
    data: _SummaryData | None = None


class _Process(msgspec.Struct, gc=False):
    pid: Any = None
    cpuPercent: Any = None
    cmdline: Any = None
    memoryInfo: Any = None
    memoryFullInfo: Any = None
    gpuMemoryUsage: Any = None
    gpuUtilization: Any = None


class _Detail(msgspec.Struct, gc=False):
    workers: list[_Process] | None = None
    gpus: Any = None


class _DetailData(msgspec.Struct, gc=False):
    detail: _Detail | None = None


class _DetailAnswer(Envelope):
    data: _DetailData | None = None


class _LoadMetrics(msgspec.Struct, gc=False):
    usageByNode: dict[str, Any] | None = None
    resourceDemand: list[Any] | None = None


class _ClusterStatus(msgspec.Struct, gc=False):
    loadMetricsReport: _LoadMetrics | None = None


class _StatusData(msgspec.Struct, gc=False):
    clusterStatus: _ClusterStatus | None = None


class _StatusAnswer(Envelope):
    data: _StatusData | None = None


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
