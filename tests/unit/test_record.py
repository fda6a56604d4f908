"""Record and replay snapshots as JSON lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.model import Flag, Node, Snapshot, Status, TaskRef, TaskSummary, Worker, WorkerKey
from tui.core.record import RecordingError, SnapshotWriter, read_snapshots


def sample(t: float) -> Snapshot:
    return Snapshot(
        time=t,
        status=Status(connected=True, address="a", errors=("x",), poll_ms=12.5),
        nodes=(Node("n1", cpu_percent=50.0),),
        workers=(Worker(pid=7, node_id="n1", cpu_percent=99.0, cpu_source="psutil",
                        running_task=TaskRef("t1", "fib")),),
        tasks=TaskSummary(by_state={"RUNNING": 1}),
        flags=(Flag("uneven", "warning", "msg", "long", nodes=("n1",), workers=(WorkerKey("n1", 7),)),),
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    with SnapshotWriter(path) as writer:
        writer.write(sample(1.0))
        writer.write(sample(2.0))
    assert list(read_snapshots(path)) == [sample(1.0), sample(2.0)]


def test_writer_appends(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    for t in (1.0, 2.0):
        with SnapshotWriter(path) as writer:
            writer.write(sample(t))
    assert [s.time for s in read_snapshots(path)] == [1.0, 2.0]


def test_truncated_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    with SnapshotWriter(path) as writer:
        writer.write(sample(1.0))
        writer.write(sample(2.0))
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # the recorder was mid-line
    assert [s.time for s in read_snapshots(path)] == [1.0]


def test_corrupt_line_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    with SnapshotWriter(path) as writer:
        writer.write(sample(1.0))
    with path.open("a") as f:
        f.write("this is not json\n")
        f.write('{"time": 3}\n')
    snapshots = read_snapshots(path)
    assert next(snapshots).time == 1.0
    with pytest.raises(RecordingError, match=r"rec.jsonl: line 2 is not a raytui snapshot"):
        next(snapshots)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot read"):
        list(read_snapshots(tmp_path / "nope.jsonl"))
    with pytest.raises(RecordingError, match="cannot write"):
        SnapshotWriter(tmp_path / "no-such-dir" / "rec.jsonl")


def test_a_full_disk_is_a_recording_error(tmp_path: Path) -> None:
    writer = SnapshotWriter("/dev/full")
    with pytest.raises(RecordingError, match="cannot write /dev/full: No space left on device"):
        writer.write(sample(1.0))
    writer.close()


def test_a_directory_is_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="is a directory"):
        list(read_snapshots(tmp_path))
