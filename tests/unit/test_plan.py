"""The planner: due slots, and the per-node request budget with its stated bound."""

from __future__ import annotations

import math

from tui.core.poll import plan
from tui.core.poll.hints import Hints
from tui.core.poll.slots import SlotName
from tui.core.refresh import Reused


def answers(**asked_at: float) -> dict[SlotName, Reused[object]]:
    table: dict[SlotName, Reused[object]] = {
        "workers": Reused(0.0), "running_tasks": Reused(0.0), "actors": Reused(5.0, 1.0),
        "nodes": Reused(5.0), "node_stats": Reused(5.0), "cluster_status": Reused(5.0)}
    for name, when in asked_at.items():
        table[name].store("answer", when)  # type: ignore[index]
    return table


def test_every_slot_is_due_at_first_and_the_reused_ones_wait_their_age() -> None:
    assert plan.due_slots(answers(), 100.0, Hints()) == [
        "workers", "running_tasks", "actors", "nodes", "node_stats", "cluster_status"]
    table = answers(workers=99.0, running_tasks=99.0, actors=99.0, nodes=99.0,
                    node_stats=99.0, cluster_status=96.0)
    assert plan.due_slots(table, 101.0, Hints()) == ["workers", "running_tasks",
                                                     "cluster_status"]


def test_a_quiet_poll_leaves_the_running_tasks_out() -> None:
    table = answers(workers=99.0, running_tasks=99.0)
    assert "running_tasks" not in plan.due_slots(table, 100.0, Hints(quiet=True))


def test_a_cut_worker_list_is_asked_at_the_raylets_cadence() -> None:
    table = answers(workers=99.0, running_tasks=99.0)
    cut = Hints(workers_cut=True)
    assert "workers" not in plan.due_slots(table, 103.0, cut)
    assert "workers" in plan.due_slots(table, 104.0, cut)  # 5 s old
    assert "workers" in plan.due_slots(table, 100.0, Hints())  # whole: every poll


def nodes(count: int) -> list[str]:
    return [f"n{i:04d}" for i in range(count)]


def test_the_budget_caps_the_calls_of_one_poll() -> None:
    chosen = plan.node_details(100.0, nodes(1000), {}, in_flight=())
    assert chosen == nodes(16)  # never asked: in id order


def test_calls_still_in_flight_count_against_the_budget() -> None:
    in_flight = nodes(10)
    chosen = plan.node_details(100.0, nodes(1000), {}, in_flight=in_flight)
    assert len(chosen) == 6 and not set(chosen) & set(in_flight)
    assert plan.node_details(100.0, nodes(1000), {}, in_flight=nodes(20)) == []


def test_the_oldest_answers_go_first_and_none_within_the_period() -> None:
    asked = {node: 50.0 + i for i, node in enumerate(nodes(20))}
    asked["n0003"] = 99.0  # asked 1 s ago: not again yet
    chosen = plan.node_details(100.0, nodes(20), asked, in_flight=(), budget=4)
    assert chosen == ["n0000", "n0001", "n0002", "n0004"]


def test_wanted_nodes_first_but_at_most_their_share() -> None:
    asked = {node: 50.0 for node in nodes(100)}
    wanted = ["n0090", "n0091", "n0092", "n0093", "n0094", "n0095"]
    chosen = plan.node_details(100.0, nodes(100), asked, in_flight=(), wanted=wanted)
    assert chosen[:4] == wanted[:4] and len(chosen) == 16
    assert chosen[4:] == nodes(12)  # the rest rotate: at least 12 a poll


def test_a_wanted_node_is_not_asked_again_within_the_period() -> None:
    asked = {node: 50.0 for node in nodes(30)}
    asked["n0029"] = 98.0
    chosen = plan.node_details(100.0, nodes(30), asked, in_flight=(), wanted=["n0029"])
    assert "n0029" not in chosen


def simulate(count: int, interval_s: float, polls: int, wanted: list[str]) -> tuple[float, int]:
    """Polls every `interval_s`, each call answered at once: (largest gap between two
    answers of a node, most calls in one poll)."""
    asked: dict[str, float] = {}
    last_seen: dict[str, float] = {}
    worst_gap, most = 0.0, 0
    for poll in range(polls):
        now = poll * interval_s
        chosen = plan.node_details(now, nodes(count), asked, in_flight=(), wanted=wanted)
        most = max(most, len(chosen))
        for node in chosen:
            asked[node] = now
        for node in nodes(count):
            if node in asked:
                last_seen.setdefault(node, asked[node])
                if asked[node] == now:
                    worst_gap = max(worst_gap, now - last_seen[node])
                    last_seen[node] = now
    # every node was answered, and none waited longer than the gap found
    assert len(asked) == count
    return worst_gap, most


def test_every_node_is_refreshed_within_the_stated_bound() -> None:
    for count, interval_s in ((10, 1.0), (100, 1.0), (1000, 1.0), (1000, 0.5)):
        bound = plan.refresh_bound_s(count, interval_s)
        wanted = nodes(count)[-4:]  # four nodes on screen the whole time
        polls = math.ceil(2 * bound / interval_s)
        worst_gap, most = simulate(count, interval_s, polls, wanted)
        assert most <= plan.NODE_DETAIL_BUDGET
        assert worst_gap <= bound, (count, interval_s, worst_gap, bound)


def test_the_bound_figures() -> None:
    assert plan.refresh_bound_s(1000, 1.0) == 84.0
    assert plan.refresh_bound_s(100, 1.0) == 9.0
    assert plan.refresh_bound_s(10, 1.0) == 6.0  # the 5 s period, plus one interval
