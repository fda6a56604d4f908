"""The Snapshot's JSON form: stable, plain JSON, and it round-trips."""

from __future__ import annotations

import json

from tui.core.model import (
    Actor,
    ClusterSummary,
    Flag,
    ListInfo,
    Node,
    Snapshot,
    Status,
    Task,
    TaskGroup,
    TaskRef,
    TaskSummary,
    Worker,
    snapshot_from_json,
    to_json,
)


def full_snapshot() -> Snapshot:
    running = Task("t1", "fib", "RUNNING", node_id="n1", worker_pid=7)
    return Snapshot(
        time=1.5,
        status=Status(connected=True, address="127.0.0.1:6379", errors=("e",), poll_ms=3.0),
        cluster=ClusterSummary(nodes_alive=1, nodes_total=1, cpus_total=2.0, cpus_used=1.0,
                               cpu_percent=50.0, memory_used_bytes=1, memory_total_bytes=2),
        nodes=(Node("n1", ip="10.0.0.1", is_head=True, cpus_total=2.0),),
        workers=(Worker(7, "n1", worker_id="w", title="ray::fib", cpu_percent=99.5,
                        rss_bytes=10, cpu_source="dashboard", running_task=TaskRef("t1", "fib")),),
        tasks=TaskSummary(by_state={"RUNNING": 1, "FINISHED": 3},
                          by_function=(TaskGroup("fib", {"RUNNING": 1, "FINISHED": 3}),),
                          running=(running,), running_list=ListInfo(1, 1)),
        actors=(Actor("a1", "GSODActor", "ALIVE", pid=8, node_id="n1"),),
        flags=(Flag("saturated", "warning", "hot", "why", nodes=("n1",)),),
        workers_list=ListInfo(total=20000, returned=10000),
    )


def test_json_form_has_the_fields_scripts_rely_on() -> None:
    data = json.loads(json.dumps(to_json(full_snapshot())))
    assert set(data) >= {"time", "status", "cluster", "nodes", "workers", "tasks", "actors",
                         "flags"}
    assert data["status"]["connected"] is True and data["status"]["errors"] == ["e"]
    worker = data["workers"][0]
    assert {k: worker[k] for k in ("pid", "node_id", "cpu_percent", "rss_bytes", "title")} == {
        "pid": 7, "node_id": "n1", "cpu_percent": 99.5, "rss_bytes": 10, "title": "ray::fib"}
    assert worker["running_task"]["name"] == "fib"
    assert data["tasks"]["by_state"] == {"RUNNING": 1, "FINISHED": 3}
    assert data["tasks"]["by_function"][0] == {"name": "fib",
                                               "by_state": {"RUNNING": 1, "FINISHED": 3}}
    actor = data["actors"][0]
    assert (actor["actor_id"], actor["class_name"], actor["state"], actor["pid"],
            actor["node_id"]) == ("a1", "GSODActor", "ALIVE", 8, "n1")
    assert data["flags"][0]["nodes"] == ["n1"]
    assert data["workers_list"] == {"total": 20000, "returned": 10000}


def test_round_trip_is_exact() -> None:
    snapshot = full_snapshot()
    assert snapshot_from_json(json.loads(json.dumps(to_json(snapshot)))) == snapshot


def test_unknown_keys_are_ignored_and_missing_ones_default() -> None:
    snapshot = snapshot_from_json({"time": 2.0, "status": {"connected": False, "future": 1},
                                   "extra": []})
    assert snapshot == Snapshot(time=2.0, status=Status(connected=False))


def test_truncation_is_visible() -> None:
    assert ListInfo(total=20000, returned=10000).truncated
    assert not ListInfo(total=3, returned=3).truncated


def test_a_workers_figures_age_is_counted_from_when_they_were_taken() -> None:
    import dataclasses
    import time

    taken = time.time() - 7.0
    live = Worker(3, "n2", cpu_source="dashboard", cpu_percent=40.0, figures_at=taken)
    # in Ray's 5 s sampling steps, rounded up: 7 s old is "at most 10 s"
    assert live.figures_age_s == 10.0
    assert live.figures_age_at(taken + 12.0) == 15.0  # the same object, older later
    assert dataclasses.replace(live, cpu_percent=40.0) == live
    given = Worker(4, "n2", cpu_source="dashboard", figures_age_s=3.0)  # a recording's, a test's
    assert given.figures_age_s == 3.0 and given.figures_age_at(taken + 99.0) == 3.0
    assert Worker(5, "n1", cpu_source="psutil").figures_age_s == 0.0
    # the JSON says the age at the snapshot's time, and a replay shows that age
    snapshot = Snapshot(time=taken + 12.0, status=Status(True), workers=(live, given))
    data = json.loads(json.dumps(to_json(snapshot)))
    assert [w["figures_age_s"] for w in data["workers"]] == [15.0, 3.0]
    assert data["workers"][0]["figures_at"] == taken
    replayed = snapshot_from_json(data)
    assert [w.figures_age_s for w in replayed.workers] == [15.0, 3.0]
    # a recording of an older raytui (an age, no figures_at) replays as it was
    del data["workers"][0]["figures_at"]
    assert snapshot_from_json(data).workers[0].figures_age_s == 15.0
