"""The table of source slots: what the collector asks, and when it asks again.

| slot | call | asked |
|---|---|---|
| `workers` | state API worker list | every poll |
| `running_tasks` | state API tasks, `state=RUNNING` | every poll, unless the last poll was quiet and psutil now shows every worker idle (`hints.tasks_may_run`) |
| `actors` | state API actor list | when a worker starts, ends or looks like a new actor (at most every 1 s); at least every 5 s |
| `nodes` | state API node list | when the worker set changed or the node set changed; at least every 5 s |
| `node_stats` | `/nodes?view=summary` | when the alive nodes changed; at least every 5 s (Ray's agents report every 5 s) |
| `cluster_status` | `/api/cluster_status` | as `node_stats` (the autoscaler's view lags as much) |
| `node:<id>` | `/nodes/{id}`: a remote node's processes | within the request budget (`plan.py`): at most 16 a poll |
| `task_counts` | task summary, in the background | when tasks moved, spaced by 5x its cost; at least every 5 s |
| `failed_tasks` | tasks, `state=FAILED`, in the background | when the FAILED count changed; at least every 10 s |

Every row but the last two is a `Slot` here; those two are `BackgroundRefresh`es (a
slow summary never holds up a poll). A slot's name is an identifier: it keys
`Status.answer_age_s`, and its error lines are built from it (`label`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tui.core.poll.sources import Sources
from tui.core.refresh import Reused

SlotName = Literal["workers", "running_tasks", "actors", "nodes", "node_stats", "cluster_status"]
SLOT_NAMES: tuple[SlotName, ...] = (
    "workers", "running_tasks", "actors", "nodes", "node_stats", "cluster_status")

# Refresh spacing (seconds); see the table above.
ACTORS_MAX_AGE_S = 5.0
ACTORS_MIN_PERIOD_S = 1.0
NODES_MAX_AGE_S = 5.0
# Ray's agent on each node reports every 5 s (REPORTER_UPDATE_INTERVAL_MS): whole-cluster
# dashboard answers are asked at that cadence, not more.
DASHBOARD_PERIOD_S = 5.0
COUNTS_MAX_AGE_S = 5.0
FAILED_MAX_AGE_S = 10.0

NODE_PREFIX = "node:"


@dataclass
class Slot:
    """One source: its call, its refresh rule, and its last answer (in `answer`)."""

    name: SlotName
    call: Callable[[], Any]
    answer: Reused[Any] = field(default_factory=lambda: Reused(0.0))


def slot_table(sources: Sources) -> dict[SlotName, Slot]:
    state, dashboard = sources.state, sources.dashboard
    return {slot.name: slot for slot in (
        Slot("workers", state.workers),
        Slot("running_tasks", state.running_tasks),
        Slot("actors", state.actors, Reused(ACTORS_MAX_AGE_S, ACTORS_MIN_PERIOD_S)),
        Slot("nodes", state.nodes, Reused(NODES_MAX_AGE_S)),
        Slot("node_stats", dashboard.node_stats, Reused(DASHBOARD_PERIOD_S)),
        Slot("cluster_status", dashboard.cluster_status, Reused(DASHBOARD_PERIOD_S)),
    )}


def node_key(node_id: str) -> str:
    """The call key of a node's process list."""
    return NODE_PREFIX + node_id


def label(key: str) -> str:
    """How a call is named in an error line: `running tasks`, `node 1a2b3c4d processes`."""
    if key.startswith(NODE_PREFIX):
        return f"node {key[len(NODE_PREFIX):][:8]} processes"
    return key.replace("_", " ")
