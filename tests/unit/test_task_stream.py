"""Task stream lanes from synthetic polls: serial is one lane, fan-out several."""

from __future__ import annotations

from tui.core.model import Snapshot, Status, TaskRef, Worker, WorkerKey
from tui.core.task_stream import functions, lanes
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
