"""Detector rules on synthetic histories: each flag fires, and stays quiet when it should."""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.detect import DEFAULT_PARAMS, DetectParams, detect
from tui.core.history import History
from tui.core.model import (
    ClusterSummary,
    Node,
    Snapshot,
    Status,
    TaskRef,
    TaskSummary,
    Worker,
    WorkerKey,
)

NODE = "node-a"


def snap(t: float, node_cpu: float, workers: Sequence[tuple[int, float]] = (),
         cpus_used: float = 0.0, cpus_total: float = 4.0, finished: int = 0, pending: int = 0,
         tasks: dict[int, str] | None = None, connected: bool = True) -> Snapshot:
    by_state = {"FINISHED": finished, "PENDING_NODE_ASSIGNMENT": pending}
    return Snapshot(
        time=t,
        status=Status(connected=connected),
        cluster=ClusterSummary(nodes_alive=1, nodes_total=1, cpus_total=cpus_total,
                               cpus_used=cpus_used, cpu_percent=node_cpu),
        nodes=(Node(NODE, cpus_total=cpus_total, cpus_used=cpus_used, cpu_percent=node_cpu),),
        workers=tuple(
            Worker(pid=pid, node_id=NODE, cpu_percent=cpu, cpu_source="psutil",
                   running_task=TaskRef(tasks[pid], "f") if tasks and pid in tasks else None)
            for pid, cpu in workers),
        tasks=TaskSummary(by_state=by_state),
    )


def history_of(snapshots: Sequence[Snapshot]) -> History:
    history = History()
    for s in snapshots:
        history.add(s)
    return history


def kinds(history: History, params: DetectParams = DEFAULT_PARAMS) -> list[str]:
    return [f.kind for f in detect(history, params)]


IDLE_WORKERS = [(101, 0.5), (102, 0.3), (103, 0.0), (104, 0.2)]


def test_idle_cluster_raises_nothing() -> None:
    history = history_of([snap(t, 3.0, IDLE_WORKERS) for t in range(20)])
    assert kinds(history) == []


def test_saturated_after_consecutive_polls_names_the_node() -> None:
    busy = [(101, 99.0), (102, 98.0), (103, 97.0), (104, 99.0)]
    history = history_of([snap(t, 96.0, busy, cpus_used=4.0, finished=t) for t in range(3)])
    flags = detect(history)
    assert [f.kind for f in flags] == ["saturated"]
    assert flags[0].nodes == (NODE,)
    assert flags[0].severity == "warning" and flags[0].message and flags[0].explanation


def test_brief_spike_is_not_saturation() -> None:
    cpus = [5, 5, 100, 100, 5, 5, 100, 5]  # never three polls in a row
    history = history_of([snap(t, c, IDLE_WORKERS) for t, c in enumerate(cpus)])
    assert "saturated" not in kinds(history)


def test_saturated_threshold_is_a_parameter() -> None:
    history = history_of([snap(t, 80.0, IDLE_WORKERS) for t in range(5)])
    assert "saturated" not in kinds(history)
    assert "saturated" in kinds(history, DetectParams(saturated_cpu_percent=75.0))


def serial_run(seconds: int) -> list[Snapshot]:
    """The tutorial's anti-pattern: one worker busy, a task finishing every 2 s."""
    return [snap(t, 27.0, [(101, 99.0), (102, 0.5), (103, 0.4), (104, 0.1)], cpus_used=1.0,
                 finished=t // 2, tasks={101: f"task-{t // 2}"})
            for t in range(seconds)]


def test_serial_pattern_is_uneven_and_names_the_worker() -> None:
    flags = detect(history_of(serial_run(8)))
    uneven = [f for f in flags if f.kind == "uneven"]
    assert len(uneven) == 1
    assert WorkerKey(NODE, 101) in uneven[0].workers and NODE in uneven[0].nodes
    assert WorkerKey(NODE, 102) not in uneven[0].workers
    assert "ray.get" in uneven[0].explanation


def test_balanced_fan_out_is_not_uneven() -> None:
    busy = [(101, 97.0), (102, 98.0), (103, 99.0), (104, 96.0)]
    history = history_of([snap(t, 99.0, busy, cpus_used=4.0, finished=t) for t in range(10)])
    assert "uneven" not in kinds(history)


def test_one_long_task_is_not_uneven() -> None:
    # one worker busy, but it is a single task and nothing finishes: not a submit loop
    history = history_of([snap(t, 27.0, [(101, 99.0), (102, 0.0)], cpus_used=1.0,
                               finished=5, tasks={101: "only"}) for t in range(10)])
    assert "uneven" not in kinds(history)


def test_concentration_without_free_cpus_is_not_uneven() -> None:
    history = history_of([snap(t, 27.0, [(101, 99.0), (102, 0.5)], cpus_used=4.0,
                               finished=t) for t in range(10)])
    assert "uneven" not in kinds(history)


def test_uneven_needs_enough_polls() -> None:
    assert "uneven" not in kinds(history_of(serial_run(2)))


def test_drivers_never_count_as_busy_workers() -> None:
    snapshots = [
        Snapshot(time=t, status=Status(connected=True),
                 cluster=ClusterSummary(cpus_total=4.0, cpus_used=0.0),
                 nodes=(Node(NODE, cpus_total=4.0, cpu_percent=27.0),),
                 workers=(Worker(pid=9, node_id=NODE, worker_type="DRIVER", cpu_percent=99.0,
                                 cpu_source="psutil"),
                          Worker(pid=101, node_id=NODE, cpu_percent=1.0, cpu_source="psutil")),
                 tasks=TaskSummary(by_state={"FINISHED": t}))
        for t in range(10)
    ]
    assert "uneven" not in kinds(history_of(snapshots))


def test_idle_while_pending() -> None:
    history = history_of([snap(t, 4.0, IDLE_WORKERS, cpus_used=4.0, pending=3)
                          for t in range(4)])
    flags = [f for f in detect(history) if f.kind == "idle_while_pending"]
    assert len(flags) == 1 and flags[0].nodes == (NODE,)
    assert "3 tasks" in flags[0].message


def test_pending_on_a_busy_node_is_normal() -> None:
    busy = [(101, 97.0), (102, 98.0), (103, 99.0), (104, 96.0)]
    history = history_of([snap(t, 99.0, busy, cpus_used=4.0, pending=10) for t in range(6)])
    assert "idle_while_pending" not in kinds(history)


def test_one_poll_of_pending_is_not_a_flag() -> None:
    history = history_of([snap(0, 4.0, IDLE_WORKERS), snap(1, 4.0, IDLE_WORKERS),
                          snap(2, 4.0, IDLE_WORKERS, pending=3)])
    assert "idle_while_pending" not in kinds(history)


def test_gap_cpu_burned_without_logical_cpus() -> None:
    # num_cpus=0 tasks burning two cores
    history = history_of([snap(t, 50.0, [(101, 99.0), (102, 99.0)], cpus_used=0.0)
                          for t in range(12)])
    flags = [f for f in detect(history) if f.kind == "logical_physical_gap"]
    assert len(flags) == 1 and "burn 2.0 cores" in flags[0].message


def test_gap_logical_cpus_held_while_idle() -> None:
    history = history_of([snap(t, 2.0, IDLE_WORKERS, cpus_used=3.0) for t in range(12)])
    flags = [f for f in detect(history) if f.kind == "logical_physical_gap"]
    assert len(flags) == 1 and "3.0 logical CPUs held" in flags[0].message


def test_gap_needs_the_whole_window() -> None:
    # Ray reports allocated CPUs late: a few seconds of disagreement is not a gap
    history = history_of([snap(t, 50.0, [(101, 99.0), (102, 99.0)], cpus_used=0.0)
                          for t in range(5)])
    assert "logical_physical_gap" not in kinds(history)


def test_disconnected_polls_raise_nothing() -> None:
    history = history_of([Snapshot(time=t, status=Status(connected=False, errors=("down",)))
                          for t in range(10)])
    assert kinds(history) == []


# --- dead nodes and unknown figures (issue 15): no flag from data that cannot be trusted


OTHER = "node-b"


def two_nodes(t: float, *, b_state: str = "ALIVE", b_cpu: float = 99.0,
              b_known: bool = True, b_workers: Sequence[Worker] = (),
              a_workers: Sequence[Worker] = (), finished: int = 0,
              pending: int = 0, a_cpus_used: float = 0.0, b_cpus_used: float = 0.0) -> Snapshot:
    """Node A idle and alive; node B as told (its last figures frozen when DEAD)."""
    nodes = (Node(NODE, cpus_total=4.0, cpus_used=a_cpus_used, cpu_percent=3.0),
             Node(OTHER, state=b_state, cpus_total=4.0, cpus_used=b_cpus_used,
                  cpu_percent=b_cpu, figures_known=b_known))
    alive_b = b_state == "ALIVE"
    return Snapshot(
        time=t, status=Status(connected=True),
        cluster=ClusterSummary(nodes_alive=1 + alive_b, nodes_total=2,
                               cpus_total=4.0 + 4.0 * alive_b,
                               cpus_used=a_cpus_used + b_cpus_used * alive_b),
        nodes=nodes, workers=(*a_workers, *b_workers),
        tasks=TaskSummary(by_state={"FINISHED": finished, "PENDING_NODE_ASSIGNMENT": pending}))


def test_dead_node_is_never_saturated() -> None:
    # Ray keeps a DEAD node's last figures: 99 % CPU forever (today's detector fired on it)
    history = history_of([two_nodes(t, b_state="DEAD") for t in range(10)])
    assert "saturated" not in kinds(history)
    alive = history_of([two_nodes(t) for t in range(10)])  # the same figures, node alive
    assert [f.nodes for f in detect(alive) if f.kind == "saturated"] == [(OTHER,)]


def test_dead_nodes_workers_are_not_uneven() -> None:
    # the dead node's worker keeps its last 99 % while tasks finish on the live node
    frozen = [Worker(pid=201, node_id=OTHER, cpu_percent=99.0, cpu_source="dashboard")]
    live = [Worker(pid=p, node_id=NODE, cpu_percent=1.0, cpu_source="psutil")
            for p in (101, 102)]
    history = history_of([two_nodes(t, b_state="DEAD", b_workers=frozen, a_workers=live,
                                    finished=t) for t in range(10)])
    assert "uneven" not in kinds(history)
    alive = history_of([two_nodes(t, b_workers=frozen, a_workers=live, finished=t)
                        for t in range(10)])
    assert "uneven" in kinds(alive)  # the same data from a live node is uneven



def test_a_node_that_just_died_is_not_uneven_from_its_polls_before() -> None:
    # the window still holds polls from before the death: a dead node says nothing now
    frozen = [Worker(pid=201, node_id=OTHER, cpu_percent=99.0, cpu_source="dashboard")]
    live = [Worker(pid=p, node_id=NODE, cpu_percent=1.0, cpu_source="psutil")
            for p in (101, 102)]
    polls = [two_nodes(t, b_state="DEAD" if t >= 9 else "ALIVE", b_workers=frozen,
                       a_workers=live, finished=t) for t in range(10)]
    assert "uneven" in kinds(history_of(polls[:9]))  # alive: the same polls are uneven
    assert "uneven" not in kinds(history_of(polls))


def test_dead_node_is_not_idle_while_tasks_wait() -> None:
    history = history_of([two_nodes(t, b_state="DEAD", b_cpu=0.0, pending=3)
                          for t in range(5)])
    flags = [f for f in detect(history) if f.kind == "idle_while_pending"]
    assert [f.nodes for f in flags] == [(NODE,)]  # the live idle node only


def test_node_not_reported_yet_is_not_idle() -> None:
    # a node that just joined: no measured figure yet, which is unknown, not 0 % CPU
    history = history_of([two_nodes(t, b_cpu=0.0, b_known=False, pending=3)
                          for t in range(5)])
    flags = [f for f in detect(history) if f.kind == "idle_while_pending"]
    assert [f.nodes for f in flags] == [(NODE,)]


def test_workers_not_reported_yet_make_no_gap() -> None:
    # node B holds 2 logical CPUs; its workers' CPU is not reported yet (dashboard lag)
    unknown = [Worker(pid=p, node_id=OTHER, cpu_source="none") for p in (201, 202)]
    history = history_of([two_nodes(t, b_cpu=50.0, b_workers=unknown, b_cpus_used=2.0)
                          for t in range(12)])
    assert "logical_physical_gap" not in kinds(history)
    reported = [Worker(pid=p, node_id=OTHER, cpu_source="dashboard") for p in (201, 202)]
    history = history_of([two_nodes(t, b_cpu=50.0, b_workers=reported, b_cpus_used=2.0)
                          for t in range(12)])
    gaps = [f for f in detect(history) if f.kind == "logical_physical_gap"]
    assert [f.nodes for f in gaps] == [(OTHER,)]  # measured 0 cores against 2 held


def test_gap_waits_until_the_whole_window_is_reported() -> None:
    unknown = [Worker(pid=p, node_id=OTHER, cpu_source="none") for p in (201, 202)]
    reported = [Worker(pid=p, node_id=OTHER, cpu_source="dashboard") for p in (201, 202)]
    snapshots = [two_nodes(t, b_cpu=50.0, b_cpus_used=2.0,
                           b_workers=unknown if t < 8 else reported) for t in range(20)]
    assert "logical_physical_gap" not in kinds(history_of(snapshots[:15]))
    assert "logical_physical_gap" in kinds(history_of(snapshots))


def test_unknown_worker_figures_are_not_uneven() -> None:
    # one local worker measured busy, the others not reported yet: the work may be there
    workers = [Worker(pid=101, node_id=NODE, cpu_percent=99.0, cpu_source="psutil",
                      running_task=TaskRef("t", "f")),
               Worker(pid=201, node_id=OTHER, cpu_source="none"),
               Worker(pid=202, node_id=OTHER, cpu_source="none")]
    history = history_of([two_nodes(t, b_cpu=50.0, b_workers=workers[1:],
                                    a_workers=workers[:1], finished=t) for t in range(10)])
    assert "uneven" not in kinds(history)


def test_the_rules_readings_hold_no_snapshot_the_windows_let_go() -> None:
    # a watch keeps a short history (its windows' length): the readings the rules keep
    # per snapshot must not hold more snapshots alive than that (each is big at scale)
    from tui.core.detect import readers

    history = History(5)
    for i in range(40):
        history.add(snap(float(i), 50.0, [(101, 90.0), (102, 5.0)]))
        detect(history)
    held = {id(snapshot) for kept in readers._KEPT
            for snapshot, _ in [*kept.now.values(), *kept.before.values()]}
    in_history = {id(s) for s in history}
    assert len(held - in_history) <= len(in_history)  # at most the round before's
    assert len(held) <= 2 * history.maxlen
