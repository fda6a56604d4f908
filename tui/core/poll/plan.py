"""What a poll asks: the due slots, and the per-node calls within the request budget.

The request budget: a poll starts at most `NODE_DETAIL_BUDGET` (16) `GET /nodes/{id}`
calls, counting those still in flight from earlier polls, so the head never holds
more than 16 of them at once whatever the number of nodes. Of these, up to
`WANTED_MAX` (4) go first to nodes the UI wants (on screen, selected, or flagged); the
rest (at least 12) go to the nodes asked longest ago. No node is asked again within
`NODE_DETAIL_PERIOD_S` (5 s: Ray's agent samples a node's processes every 5 s, and its
per-worker figures move about every 15 s).

The bound: when the head answers within the poll, every remote node's workers are
refreshed at least every max(5 s + interval, ceil(nodes / 12) x interval): at 1,000
nodes and a 1 s interval, every 84 s; at 100 nodes, every 9 s; at 10, every 6 s.
(Oldest first: each poll moves at least 12 nodes from ahead of any node to the back.)
`refresh_bound_s` computes it.
Requests per second against the head are then at most 16 / interval for the node
details plus the whole-cluster calls, however many nodes there are.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping

from tui.core.poll.hints import Hints
from tui.core.poll.slots import SlotName
from tui.core.refresh import Reused

NODE_DETAIL_BUDGET = 16
WANTED_MAX = 4
NODE_DETAIL_PERIOD_S = 5.0
CUT_WORKERS_PERIOD_S = 5.0  # as DASHBOARD_PERIOD_S: Ray's agents report every 5 s


def due_slots(answers: Mapping[SlotName, Reused[object]], now: float,
              hints: Hints) -> list[SlotName]:
    """The slots this poll asks (a call still in flight is waited for, not restarted).

    After a quiet poll the running tasks are left out: the collector adds them back
    once psutil shows a worker busy (`hints.tasks_may_run`). When Ray cut the last
    worker list (10,000 rows: a big cluster), the list is asked every
    `CUT_WORKERS_PERIOD_S`, the cadence of the raylets' lists that complete it."""
    names = [name for name, answer in answers.items() if answer.due(now)]
    if hints.quiet:
        names = [name for name in names if name != "running_tasks"]
    workers = answers.get("workers")
    if hints.workers_cut and workers is not None and workers.age_s(now) < CUT_WORKERS_PERIOD_S:
        names = [name for name in names if name != "workers"]
    return names


def node_details(now: float, candidates: Iterable[str], asked_at: Mapping[str, float],
                 in_flight: Collection[str], wanted: Collection[str] = (),
                 budget: int = NODE_DETAIL_BUDGET, wanted_max: int = WANTED_MAX,
                 period_s: float = NODE_DETAIL_PERIOD_S) -> list[str]:
    """The nodes whose process lists this poll asks for (see the module docstring).

    `asked_at`: when each node's last answer was asked (monotonic; absent: never).
    `in_flight`: nodes whose call from an earlier poll is still running."""
    busy = len(in_flight)
    free = max(0, budget - busy)
    due = [node for node in candidates if node not in in_flight
           and now - asked_at.get(node, -math.inf) >= period_s]
    oldest_first = sorted(due, key=lambda node: (asked_at.get(node, -math.inf), node))
    wanted_set = set(wanted)
    first = [node for node in oldest_first if node in wanted_set][:min(wanted_max, free)]
    chosen = set(first)
    rest = [node for node in oldest_first if node not in chosen][:free - len(first)]
    return first + rest


def refresh_bound_s(nodes: int, interval_s: float, budget: int = NODE_DETAIL_BUDGET,
                    wanted_max: int = WANTED_MAX,
                    period_s: float = NODE_DETAIL_PERIOD_S) -> float:
    """How old a remote node's worker figures may get (see the module docstring)."""
    rotating = max(1, budget - wanted_max)
    return max(period_s + interval_s, math.ceil(nodes / rotating) * interval_s)
