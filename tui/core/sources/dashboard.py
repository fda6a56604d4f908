"""The dashboard's node endpoints: what Ray's own agent measures on every node.

- `GET /nodes?view=summary`: node CPU percent and memory, one entry per node;
- `GET /nodes/{node_id}`: the node's processes with `cpuPercent`, `memoryInfo.rss`
  and `cmdline` (the process title, e.g. `ray::fibonacci_distributed`). The agent
  samples these with psutil about every 5 s, so they lag; the collector uses them
  for nodes psutil cannot see;
- `GET /api/cluster_status`: logical resource usage per node (CPUs allocated), as the
  autoscaler monitor last saw it: it lags the truth by up to about 5 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.sources.http import DashboardHttp, SourceError


@dataclass(frozen=True)
class NodeStats:
    cpu_percent: float
    memory_used_bytes: int
    memory_total_bytes: int
    hostname: str = ""


@dataclass(frozen=True)
class ProcessStats:
    cpu_percent: float  # of one core
    rss_bytes: int
    title: str


@dataclass(frozen=True)
class LogicalUsage:
    cpus_used: float
    cpus_total: float
    object_store_used_bytes: int
    object_store_total_bytes: int


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
            stats[node_id] = NodeStats(
                cpu_percent=float(entry.get("cpu") or 0.0),
                memory_used_bytes=max(0, total - available),
                memory_total_bytes=total,
                hostname=str(entry.get("hostname") or ""),
            )
        return stats

    def node_processes(self, node_id: str) -> dict[int, ProcessStats]:
        data = self.http.get(f"/nodes/{node_id}")
        detail = data.get("detail") if isinstance(data, dict) else None
        if not isinstance(detail, dict):
            raise SourceError(f"/nodes/{node_id[:8]}: unexpected answer")
        processes = {}
        for proc in _as_list(detail.get("workers")):
            pid = proc.get("pid")
            if not pid:
                continue
            cmdline = proc.get("cmdline") or []
            processes[int(pid)] = ProcessStats(
                cpu_percent=float(proc.get("cpuPercent") or 0.0),
                rss_bytes=int((proc.get("memoryInfo") or {}).get("rss") or 0),
                title=" ".join(part for part in cmdline if part)[:200],
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
            usage[str(node_id)] = LogicalUsage(float(cpu[0]), float(cpu[1]),
                                               int(store[0]), int(store[1]))
        pending = sum(int(count) for _shape, count in (report.get("resourceDemand") or []))
        return ClusterStatus(usage_by_node=usage, pending_demands=pending)


def _as_list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
