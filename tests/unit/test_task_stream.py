"""Task stream lanes from synthetic polls: serial is one lane, fan-out several."""

from __future__ import annotations

import random

from tui.core.model import Snapshot, Status, TaskRef, Worker, WorkerKey
from tui.core.task_stream import Lane, functions, lanes
from tui.panels.task_stream import colour_of, render


def poll(t: float, running: dict[int, str], connected: bool = True) -> Snapshot:
    workers = tuple(Worker(pid, "node-a", cpu_percent=90.0, cpu_source="psutil",
                           running_task=TaskRef(f"t{pid}{t}", name) if name else None)
                    for pid, name in running.items())
    driver = Worker(9, "node-a", worker_type="DRIVER", running_task=TaskRef("d", "main"))
    return Snapshot(time=t, status=Status(connected), workers=(*workers, driver))


def test_serial_run_is_one_full_lane() -> None:
    polls = [poll(float(t), {101: "fib", 102: ""}) for t in range(60)]
    result = lanes(polls, width=30)
    assert [lane.key for lane in result] == [WorkerKey("node-a", 101)]
    assert result[0].busy == 30


def test_fan_out_fills_a_lane_per_worker_busiest_first() -> None:
    polls = [poll(float(t), {101: "fib", 102: "fib" if t % 2 else ""}) for t in range(61)]
    result = lanes(polls, width=60)
    assert [lane.key.pid for lane in result] == [101, 102]
    assert result[0].busy == 60 and result[1].busy == 30
    assert functions(result) == ["fib"]


def test_only_the_window_counts_and_failed_polls_are_skipped() -> None:
    polls = [poll(0.0, {101: "old"}), poll(100.0, {102: "new"}), poll(101.0, {103: "x"}, False)]
    result = lanes(polls, width=10, window_s=60.0)
    assert [lane.key.pid for lane in result] == [102]
    assert result[0].cells[-1] == "new"
    assert lanes([], width=10) == []


def test_lanes_are_capped_and_render_a_legend() -> None:
    polls = [poll(float(t), {pid: f"f{pid % 3}" for pid in range(100, 140)}) for t in range(5)]
    result = lanes(polls, width=20, max_lanes=5)
    assert len(result) == 5
    text = render(result, 20).plain
    assert text.count("\n") == 5 + 1  # header, five lanes, legend
    assert "f0" in text and colour_of("f0") == colour_of("f0")


def naive_lanes(snapshots: list[Snapshot], width: int, window_s: float = 60.0) -> list[Lane]:
    """The reading the lanes stand for, written plainly: a cell per worker per slice."""
    connected = [s for s in snapshots if s.status.connected]
    start = connected[-1].time - window_s
    cells: dict[WorkerKey, list[str | None]] = {}
    for snapshot in connected:
        if snapshot.time < start:
            continue
        column = min(width - 1, int((snapshot.time - start) / (window_s / width)))
        for worker in snapshot.workers:
            if worker.worker_type != "DRIVER" and worker.running_task is not None:
                cells.setdefault(worker.key, [None] * width)[column] = \
                    worker.running_task.name
    result = [Lane(key, tuple(row), sum(cell is not None for cell in row))
              for key, row in cells.items()]
    return sorted(result, key=lambda lane: (-lane.busy, lane.key))


def test_lanes_read_as_a_cell_per_worker_per_slice() -> None:
    """Several polls a slice (the latest running one wins), drivers, idle workers, a
    failed poll, a filter and a cap: the same lanes as the plain reading."""
    rng = random.Random(7)
    polls = []
    for step in range(90):  # 0.5 s apart over 45 s, into 20 slices of 3 s
        workers = []
        for node in ("node-a", "node-b"):
            for pid in range(100, 130):
                name = rng.choice(["", "", "fib", "load", "sum"])
                workers.append(Worker(pid, node, worker_type="DRIVER" if pid == 100 else "WORKER",
                                      running_task=TaskRef(f"t{step}", name) if name else None))
        polls.append(Snapshot(time=step * 0.5, status=Status(step != 40), workers=tuple(workers)))
    expected = naive_lanes(polls, width=20)
    assert len(expected) == 58  # every worker but the two drivers ran something
    assert lanes(polls, width=20) == expected
    assert lanes(polls, width=20, max_lanes=7) == expected[:7]
    fib_b = [lane for lane in expected if lane.key.node_id == "node-b" and "fib" in lane.cells]
    assert lanes(polls, width=20, max_lanes=5, keep=lambda lane: lane.key.node_id == "node-b"
                 and "fib" in lane.cells) == fib_b[:5]
    # read again at a poll a slice: what each poll ran is still its own
    assert lanes(polls, width=90, window_s=45.0) == naive_lanes(polls, width=90, window_s=45.0)
