"""The collector against a simulated 1,000-node x 16-worker cluster (tests/sim: Ray 2.60's
recorded JSON, scaled): every worker shown, every node's figures refreshed within the
bound `plan.py` states, no poll past its deadline, and a bounded number of requests."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest

from tests.sim.process import SimProcess
from tui.core.collector import Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.poll import plan
from tui.core.poll.join_workers import AGE_STEP_S

NODES, WORKERS = 1000, 16
# plan.py's bound in polls: at least 12 nodes a poll rotate, whatever the wanted ones take
# (16 when the head answers each call within its poll)
ROTATION = math.ceil(NODES / (plan.NODE_DETAIL_BUDGET - plan.WANTED_MAX)) + 1


@pytest.fixture(scope="module")
def sim() -> Iterator[SimProcess]:
    with SimProcess(nodes=NODES, workers=WORKERS, tasks=100_000, actors=8_000) as cluster:
        yield cluster


def requests(sim: SimProcess) -> dict[str, int]:
    return {path: figures["requests"] for path, figures in sim.stats().items()}


@pytest.mark.soak  # 90 s: in make soak (make bench BENCH=collector polls 10, 100, 1,000 nodes)
def test_a_thousand_nodes(sim: SimProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_AUTH_TOKEN", sim.token)
    connection = RayConnection(ClusterAddress("dashboard", sim.url))
    connection.dashboard_url = sim.url
    with Collector(connection, psutil_node_ids=set()) as collector:
        before = requests(sim)
        snapshot = collector.poll_once()
        assert snapshot.status.connected, snapshot.status.errors
        # Ray cut its worker list at 10,000 rows; the raylets' lists (the 22 MB node
        # summary, which may take more than the first poll) complete it
        for _ in range(3):
            if len(snapshot.workers) >= NODES * WORKERS:
                break
            snapshot = collector.poll_once()
        assert len(snapshot.workers) >= NODES * WORKERS
        assert snapshot.workers_total_at_most
        assert snapshot.workers_list.returned == len(snapshot.workers)
        assert len({w.node_id for w in snapshot.workers}) == NODES
        # 100,000 tasks: Ray summarised 10,000 of them, and says so
        assert snapshot.tasks.counts_partial and snapshot.tasks.counts_total >= 100_000
        assert snapshot.tasks.by_state["RUNNING"] == snapshot.tasks.running_list.total

        before = requests(sim)
        polls, worst_round, most_node_calls, most_calls = 1, collector.last_round_s, 0, 0
        # every worker of the cluster (the drivers aside: no agent lists them)
        longest_interval, last_start = 0.0, time.monotonic()
        while any(w.cpu_source == "none" for w in snapshot.workers
                  if w.worker_type != "DRIVER"):
            assert polls <= ROTATION
            snapshot = collector.poll_once()
            polls += 1
            longest_interval = max(longest_interval, time.monotonic() - last_start)
            last_start = time.monotonic()
            after = requests(sim)
            delta = {path: after.get(path, 0) - before.get(path, 0) for path in after}
            before = after
            most_node_calls = max(most_node_calls, delta.get("/nodes/{id}", 0))
            most_calls = max(most_calls, sum(delta.values()))
            worst_round = max(worst_round, collector.last_round_s)
            assert snapshot.status.connected, snapshot.status.errors
        # and then none is older than the bound says, at the longest interval seen
        bound = plan.refresh_bound_s(NODES, longest_interval)
        for _ in range(3):
            snapshot = collector.poll_once()
            oldest = max(w.figures_age_at(snapshot.time) for w in snapshot.workers)
            assert oldest <= bound + AGE_STEP_S, (oldest, bound)
        assert worst_round <= collector.deadline_s + 0.1, worst_round
        assert most_node_calls <= plan.NODE_DETAIL_BUDGET
        # the node details plus at most the six slots and two background calls
        assert most_calls <= plan.NODE_DETAIL_BUDGET + 8, most_calls
