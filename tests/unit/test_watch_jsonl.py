"""`raytui watch --jsonl` lines: a snapshot line per poll, and each event once as its own
`"type": "event"` line (the real-cluster run is tests/integration/test_watch_events.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.test_events import UNEVEN, snap
from tui.commands.headless import jsonl_records, watch_lines
from tui.core.events import EventLog
from tui.core.model import snapshot_from_json


def polls_of_a_flag_for_two_seconds() -> list[list[dict[str, Any]]]:
    log = EventLog()
    return [[json.loads(line) for line in jsonl_records(
                log.with_events(snap(t, flags=(UNEVEN,) if 3 <= t < 5 else ())))]
            for t in range(10)]


def test_each_poll_is_a_snapshot_line_then_its_events() -> None:
    polls = polls_of_a_flag_for_two_seconds()
    assert all(lines[0]["type"] == "snapshot" for lines in polls)
    assert all(line["type"] == "event" for lines in polls for line in lines[1:])
    events = [line for lines in polls for line in lines[1:]]
    # once each, in the poll that saw it: raised at t=3, cleared at t=5 after 2 s
    assert [(e["kind"], e["time"] - polls[0][0]["time"]) for e in events] == [
        ("flag_raised", 3.0), ("flag_cleared", 5.0)]
    assert [len(lines) for lines in polls] == [1, 1, 1, 2, 1, 2, 1, 1, 1, 1]
    cleared = events[1]
    assert cleared["duration_s"] == 2.0 and cleared["subject"] == UNEVEN.key
    assert cleared["message"].startswith("uneven cleared after 2 s")
    assert cleared["detail"] == UNEVEN.explanation


def test_snapshot_lines_keep_their_fields_and_no_events() -> None:
    polls = polls_of_a_flag_for_two_seconds()
    raised_poll = polls[3][0]
    assert "events" not in raised_poll  # the event lines carry them, once
    assert {f["kind"] for f in raised_poll["flags"]} == {"uneven"}
    assert raised_poll["status"]["connected"] is True  # what consumers read stays
    rebuilt = snapshot_from_json(raised_poll)  # a snapshot line still parses as one
    assert rebuilt.flags == (UNEVEN,) and rebuilt.events == ()


def test_text_watch_names_the_events() -> None:
    log = EventLog()
    for t in range(3):
        log.update(snap(t, flags=(UNEVEN,)))
    cleared = log.with_events(snap(3))
    lines = watch_lines(cleared)
    assert "  event: uneven cleared after 3 s: 95% of the work ran on 1 worker" in lines


def test_the_summary_line_names_the_four_busiest_workers_never_a_driver() -> None:
    from dataclasses import replace

    from tui.core.model import Worker

    workers = [Worker(100 + i, "n1", cpu_percent=float(i), cpu_source="psutil")
               for i in range(20)]
    # drivers busier than every worker: six of them, more than the top eight can spare
    drivers = [Worker(900 + i, "n1", worker_type="DRIVER", cpu_percent=500.0 + i,
                      cpu_source="psutil") for i in range(6)]
    for listed in (workers + drivers, drivers + workers, workers[:3] + drivers):
        line = watch_lines(replace(snap(0), workers=tuple(listed)))[0]
        top = line[line.index("[") + 1:line.index("]")].split()
        expected = sorted((w for w in listed if w.worker_type != "DRIVER"),
                          key=lambda w: w.cpu_percent, reverse=True)[:4]
        assert top == [f"{w.pid}:{w.cpu_percent:.0f}%" for w in expected]
