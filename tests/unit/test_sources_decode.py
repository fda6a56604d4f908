"""The dashboard sources' decoding over canned bodies: typed decoding of the big answers
(only the fields read), the same body giving the same object, and the error lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tui.core.sources.dashboard import DashboardSource
from tui.core.sources.http import DashboardHttp, SourceError
from tui.core.sources.state_api import StateApiSource

NODE = "n" * 56


class CannedHttp(DashboardHttp):
    """The real client, answering from `bodies` (path -> body) instead of the network."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        super().__init__("http://127.0.0.1:1")
        self.bodies = bodies
        self.asked: list[str] = []

    def get_body(self, path: str, params: dict[str, Any] | None = None,
                 timeout_s: float | None = None) -> bytes:
        self.asked.append(path)
        return self.bodies[path]

    def get_kept(self, keep: str, path: str, params: dict[str, Any] | None = None,
                 timeout_s: float | None = None) -> memoryview:
        return memoryview(self.get_body(path, params, timeout_s))


def summary(cpu: float, pids: list[int], extra: str = "") -> bytes:
    entry = {"hostname": "h1", "cpu": cpu, "mem": [1000, 400, 60.0, 600], "gpus": [],
             "cmdline": [""] * 890, "agent": {"cmdline": ["ray::agent", *[""] * 890]},
             "raylet": {"nodeId": NODE, "storeStats": {"spilledBytesTotal": "123"},
                        "coreWorkersStats": [{"pid": p, "workerId": f"w{p}",
                                              "workerType": "WORKER", "usedResources": {}}
                                             for p in pids]}}
    return (json.dumps({"result": True, "msg": "", "data": {"summary": [entry]}})[:-1]
            + extra + "}").encode()


def test_the_node_summary_is_read_and_an_unchanged_worker_list_is_the_same_tuple() -> None:
    http = CannedHttp({"/nodes": summary(12.5, [1, 2])})
    source = DashboardSource(http)
    first = source.node_stats()[NODE]
    assert (first.cpu_percent, first.memory_used_bytes, first.memory_total_bytes) == (
        12.5, 600, 1000)
    assert first.hostname == "h1" and first.spilled_bytes == 123
    assert [(w.pid, w.worker_id) for w in first.workers] == [(1, "w1"), (2, "w2")]
    http.bodies["/nodes"] = summary(40.0, [1, 2])  # the figures moved, not the workers
    moved = source.node_stats()[NODE]
    assert moved.cpu_percent == 40.0 and moved.workers is first.workers
    http.bodies["/nodes"] = summary(40.0, [1, 2, 3])
    assert [w.pid for w in source.node_stats()[NODE].workers] == [1, 2, 3]


def test_a_nan_in_an_answer_is_read_as_pythons_json_reads_it() -> None:
    # Ray's dashboard writes with Python's json, which allows NaN; msgspec does not
    body = summary(1.0, [1]).replace(b'"cpu": 1.0', b'"cpu": NaN')
    stats = DashboardSource(CannedHttp({"/nodes": body})).node_stats()[NODE]
    assert stats.cpu_percent != stats.cpu_percent  # NaN, not an error


def test_an_answer_of_the_wrong_shape_or_a_failure_is_one_error_line() -> None:
    wrong = json.dumps({"result": True, "data": {"summary": [{"raylet": "no"}]}}).encode()
    with pytest.raises(SourceError, match="/nodes: unexpected answer"):
        DashboardSource(CannedHttp({"/nodes": wrong})).node_stats()
    failed = json.dumps({"result": False, "msg": "busy\nmore"}).encode()
    with pytest.raises(SourceError, match="^/nodes: busy$"):
        DashboardSource(CannedHttp({"/nodes": failed})).node_stats()
    with pytest.raises(SourceError, match="not JSON"):
        DashboardSource(CannedHttp({"/nodes": b"<html>"})).node_stats()


def workers_body(pids: list[int]) -> bytes:
    rows = [{"worker_id": f"w{p}", "pid": p, "node_id": NODE, "worker_type": "WORKER",
             "ip": "10.0.0.1"} for p in pids]
    return json.dumps({"result": True, "msg": "", "data": {"result": {
        "total": len(rows), "num_filtered": len(rows), "result": rows}}}).encode()


def test_the_same_list_answer_gives_the_same_object_and_a_new_one_is_read() -> None:
    http = CannedHttp({"/api/v0/workers": workers_body([1, 2])})
    state = StateApiSource(http)
    first, info = state.workers()
    assert [w.pid for w in first] == [1, 2] and info.total == 2
    again, _ = state.workers()
    assert again is first  # not parsed, nor built, again
    http.bodies["/api/v0/workers"] = workers_body([1, 2, 3])
    grown, _ = state.workers()
    assert grown is not first and [w.pid for w in grown] == [1, 2, 3]
