"""The collector: `from tui.core.collector import Collector` (see `tui/core/poll/`).

`Collector.poll_once()` turns the cluster's sources into one Snapshot and never raises;
its parts (the slot table, the planner, the fetch round, the join, the hints) live in
`tui/core/poll/`, one job a module.
"""

from __future__ import annotations

from tui.core.poll.collector import Collector
from tui.core.poll.fetch import SOFT_WAIT_S
from tui.core.poll.plan import NODE_DETAIL_BUDGET
from tui.core.poll.slots import ACTORS_MAX_AGE_S, DASHBOARD_PERIOD_S

__all__ = ["ACTORS_MAX_AGE_S", "DASHBOARD_PERIOD_S", "NODE_DETAIL_BUDGET", "SOFT_WAIT_S",
           "Collector"]

