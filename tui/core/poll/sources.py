"""What the collector asks, behind three small protocols, so tests can pass canned rows.

- `ClusterState`: Ray's state API (`tui.core.sources.state_api.StateApiSource`);
- `NodeAgents`: the dashboard's node endpoints (`tui.core.sources.dashboard`);
- `LocalMachine`: psutil on this machine (`tui.core.sources.local_psutil`).

Every call raises on failure (`tui.core.sources.http.Unreachable` when nothing answers
at the address); the collector turns failures into `Status.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from tui.core.model import Actor, ListInfo, Task
from tui.core.sources.dashboard import ClusterStatus, NodeStats, ProcessStats
from tui.core.sources.state_api import NodeRow, TaskCounts, WorkerRow


class ClusterState(Protocol):
    def nodes(self) -> list[NodeRow]: ...

    def workers(self) -> tuple[list[WorkerRow], ListInfo]: ...

    def actors(self) -> tuple[list[Actor], ListInfo]: ...

    def running_tasks(self) -> tuple[list[Task], ListInfo]: ...

    def task_counts(self, timeout_s: float | None = None) -> TaskCounts: ...

    def failed_tasks(self, timeout_s: float | None = None) -> tuple[list[Task], ListInfo]: ...


class NodeAgents(Protocol):
    def node_stats(self) -> dict[str, NodeStats]: ...

    def node_processes(self, node_id: str) -> dict[int, ProcessStats]: ...

    def cluster_status(self) -> ClusterStatus: ...


class LocalMachine(Protocol):
    def sample(self, pids: Iterable[int]) -> dict[int, ProcessStats]: ...

    def keep_only(self, pids: Iterable[int]) -> None: ...

    def node_stats(self) -> NodeStats | None: ...


@dataclass
class Sources:
    state: ClusterState
    dashboard: NodeAgents
    local: LocalMachine
    close: Callable[[], None] = lambda: None


def dashboard_sources(dashboard_url: str, timeout_s: float) -> Sources:
    """The real sources of a cluster whose dashboard answers at `dashboard_url`."""
    from tui.core.sources.dashboard import DashboardSource
    from tui.core.sources.http import DashboardHttp
    from tui.core.sources.local_psutil import LocalProcessSampler
    from tui.core.sources.state_api import StateApiSource

    http = DashboardHttp(dashboard_url, timeout_s)
    return Sources(StateApiSource(http), DashboardSource(http), LocalProcessSampler(), http.close)
