"""The event log: flags raised/cleared, joins and deaths, failures, connection, bounds."""

from __future__ import annotations

import json
import threading

import pytest

from tui.core.events import EventLog
from tui.core.kinds import EVENT_KINDS
from tui.core.model import (
    Actor,
    Flag,
    ListInfo,
    Node,
    Snapshot,
    Status,
    Task,
    TaskSummary,
    WorkerKey,
    snapshot_from_json,
    to_json,
)

T0 = 1_700_000_000.0
HEAD, OTHER = "head0000aaaa", "other000bbbb"
COMPLETE = ListInfo()
UNEVEN = Flag("uneven", "warning", "95% of the work ran on 1 worker",
              "the driver calls ray.get in the loop", (HEAD,), (WorkerKey(HEAD, 101),))


def snap(t: float, *, flags: tuple[Flag, ...] = (), nodes: tuple[Node, ...] | None = None,
         actors: tuple[Actor, ...] = (), failed: tuple[Task, ...] = (),
         connected: bool = True, actors_list: ListInfo = COMPLETE) -> Snapshot:
    return Snapshot(
        time=T0 + t,
        status=Status(connected=connected, address="127.0.0.1:6379",
                      errors=() if connected else ("dashboard: connection refused",)),
        nodes=(Node(HEAD, "10.0.0.1", is_head=True),) if nodes is None else nodes,
        actors=actors, flags=flags, actors_list=actors_list,
        tasks=TaskSummary(failed=failed))


def feed(log: EventLog, snapshots: list[Snapshot]) -> list[tuple[str, str]]:
    return [(e.kind, e.subject) for s in snapshots for e in log.update(s)]


def test_a_flag_that_fired_for_2_s_is_still_there_a_minute_later() -> None:
    log = EventLog()
    snapshots = [snap(t, flags=(UNEVEN,) if 10 <= t < 12 else ()) for t in range(72)]
    feed(log, snapshots)
    kinds = [(e.kind, e.subject) for e in log.events]
    assert kinds == [("flag_raised", UNEVEN.key), ("flag_cleared", UNEVEN.key)]
    raised, cleared = log.events
    assert raised.time == T0 + 10 and "uneven raised" in raised.message
    assert raised.detail == UNEVEN.explanation
    assert cleared.time == T0 + 12 and cleared.duration_s == 2.0
    assert "cleared after 2 s" in cleared.message


def test_each_update_returns_only_what_is_new() -> None:
    log = EventLog()
    assert log.update(snap(0, flags=(UNEVEN,)))[0].kind == "flag_raised"
    assert log.update(snap(1, flags=(UNEVEN,))) == ()
    assert [e.kind for e in log.update(snap(2))] == ["flag_cleared"]


def test_the_same_kind_about_another_node_is_another_flag() -> None:
    log = EventLog()
    a = Flag("saturated", "warning", "hot", nodes=(HEAD,))
    b = Flag("saturated", "warning", "hot", nodes=(OTHER,))
    assert feed(log, [snap(0, flags=(a,)), snap(1, flags=(a, b)), snap(2, flags=(b,))]) == [
        ("flag_raised", a.key), ("flag_raised", b.key), ("flag_cleared", a.key)]


def test_the_log_is_bounded() -> None:
    log = EventLog(maxlen=1000)
    feed(log, [snap(t, flags=(UNEVEN,) if t % 2 else ()) for t in range(3000)])
    assert len(log.events) == 1000
    assert log.events[-1].time == T0 + 2999  # the newest kept, the oldest dropped


def test_nodes_joining_and_dying() -> None:
    head = Node(HEAD, "10.0.0.1", is_head=True)
    other = Node(OTHER, "10.0.0.2", cpus_total=4.0)
    dead = Node(OTHER, "10.0.0.2", state="DEAD", state_since=T0 + 3)
    log = EventLog()
    events = feed(log, [snap(0, nodes=(head,)), snap(1, nodes=(head, other)),
                        snap(2, nodes=(head, other)), snap(3, nodes=(head, dead)),
                        snap(4, nodes=(head, dead)), snap(5, nodes=(head,))])
    assert events == [("node_joined", OTHER), ("node_died", OTHER)]
    joined, died = log.events
    assert "10.0.0.2" in joined.message and "4 CPUs" in joined.message
    assert "died at" in died.message


def test_the_nodes_of_the_first_poll_did_not_just_join() -> None:
    log = EventLog()
    assert feed(log, [snap(0, nodes=(Node(HEAD), Node(OTHER))),
                      snap(1, nodes=(Node(HEAD), Node(OTHER)))]) == []


def test_an_actor_dying_with_its_cause() -> None:
    alive = Actor("actor-1", "GSODActor", "ALIVE", "gsod-1980", 1004, HEAD)
    dead = Actor("actor-1", "GSODActor", "DEAD", "gsod-1980", None, HEAD, 0,
                 "The actor died because its worker process exited.\nmore detail")
    log = EventLog()
    assert feed(log, [snap(0, actors=(alive,)), snap(1, actors=(dead,)),
                      snap(2, actors=(dead,))]) == [("actor_died", "actor-1")]
    event = log.events[0]
    assert event.message == ("actor GSODActor gsod-1980 died: The actor died because its "
                             "worker process exited.")
    assert "more detail" in event.detail


def test_actors_dead_before_the_log_started_are_not_news() -> None:
    dead = Actor("old", "GSODActor", "DEAD", death_cause="exited")
    new_dead = Actor("new", "Counter", "DEAD", death_cause="killed")
    log = EventLog()
    events = feed(log, [snap(0, actors=(dead,)), snap(1, actors=(dead, new_dead))])
    assert events == [("actor_died", "new")]  # started and died between two polls
    cut = EventLog()  # a cut list may show an old dead actor for the first time
    assert feed(cut, [snap(0), snap(1, actors=(dead,), actors_list=ListInfo(20000, 10000))]) == []


def failed(task_id: str, end_s: float | None) -> Task:
    return Task(task_id, "broken_task", "FAILED", HEAD, 1002, None, "ValueError",
                "size must be positive\nTraceback ...",
                end_time_ms=None if end_s is None else int((T0 + end_s) * 1000))


def test_tasks_failing_after_the_start_each_once() -> None:
    old, new = failed("t-old", -600), failed("t-new", 5)
    log = EventLog()
    # the failed list arrives a few polls late, with an old failure in it
    events = feed(log, [snap(0), snap(1, failed=(old,)), snap(6, failed=(old, new)),
                        snap(7, failed=(old, new))])
    assert events == [("task_failed", "t-new")]
    undated = EventLog()  # no end time: news unless the first poll listed it
    assert feed(undated, [snap(0, failed=(failed("t-0", None),)),
                          snap(1, failed=(failed("t-0", None), failed("t-1", None)))]) == [
        ("task_failed", "t-1")]
    assert log.events[0].message == "task broken_task failed: ValueError: size must be positive"


def test_connection_lost_and_back_and_no_flag_change_meanwhile() -> None:
    log = EventLog()
    events = feed(log, [snap(0, flags=(UNEVEN,)), snap(1, connected=False, flags=()),
                        snap(2, connected=False), snap(5, flags=(UNEVEN,))])
    assert [k for k, _ in events] == ["flag_raised", "connection_lost", "connection_back"]
    lost, back = log.events[1:]
    assert "connection refused" in lost.message
    assert back.duration_s == 4.0 and "after 4 s" in back.message


def test_never_connected_is_not_a_lost_connection() -> None:
    log = EventLog()
    assert feed(log, [snap(0, connected=False), snap(1, connected=False), snap(2)]) == []
    assert [k for k, _ in feed(log, [snap(3, connected=False), snap(9)])] == [
        "connection_lost", "connection_back"]
    assert log.events[-1].duration_s == 6.0


def test_recorded_events_come_out_of_the_next_update() -> None:
    log = EventLog(clock=lambda: T0 + 42)
    log.update(snap(0))
    started = log.record("workload_started", "Fibonacci: 16 tasks of size 100000")
    assert log.events == (started,) and started.time == T0 + 42
    ended = log.record("workload_ended", "Fibonacci: SUCCEEDED", detail="took 3.2 s",
                       duration_s=3.2)
    assert log.update(snap(1)) == (started, ended)
    assert log.update(snap(2)) == ()
    assert log.events == (started, ended)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        EventLog().record("workload_exploded", "boom")
    assert "workload_ended" in EVENT_KINDS


def test_record_from_another_thread_while_updating() -> None:
    log = EventLog(maxlen=100_000)
    threads = [threading.Thread(target=lambda: [log.record("workload_started", f"run {i}")
                                                for i in range(500)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    returned = sum(len(log.update(snap(t))) for t in range(200))
    for thread in threads:
        thread.join()
    returned += len(log.update(snap(201)))
    assert returned == 2000 and len(log.events) == 2000


def test_events_round_trip_through_a_recording() -> None:
    log = EventLog()
    recorded = []
    for t in range(20):
        snapshot = log.with_events(snap(t, flags=(UNEVEN,) if 3 <= t < 5 else ()))
        recorded.append(json.dumps(to_json(snapshot)))
    replayed = [snapshot_from_json(json.loads(line)) for line in recorded]
    events = [e for s in replayed for e in s.events]
    assert events == list(log.events)
    assert [e.kind for e in events] == ["flag_raised", "flag_cleared"]
    assert events[1].duration_s == 2.0
    # an old recording without events still replays
    old = to_json(snap(0))
    del old["events"]
    assert snapshot_from_json(old).events == ()
