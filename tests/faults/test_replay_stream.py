"""A large recording opens at once, with bounded memory, and quits at once."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from tests.app.fakes import T0
from tests.faults.recordings import write_big_recording
from tui.core.record import Recording, RecordingError, read_snapshots
from tui.replay import ReplaySource


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    write_big_recording(path, 20_000)
    return path


def test_a_large_recording_opens_at_once_and_indexes_in_bounded_memory(big: Path) -> None:
    """Was: `replay` loaded every snapshot first (11 minutes and 1.26 GB for 470 MB)."""
    tracemalloc.start()
    started = time.perf_counter()
    recording = Recording(big)
    opened_s = time.perf_counter() - started
    try:
        assert opened_s < 0.5, opened_s
        assert recording[0].time == T0
        assert recording.indexed.wait(30)
        assert len(recording) == 20_000
        assert recording[19_999].time == T0 + 19_999 and recording[-1].time == T0 + 19_999
        assert recording[7_777].time == T0 + 7_777
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        recording.close()
    assert big.stat().st_size > 50 * 2**20  # the file is big ...
    assert peak < 8 * 2**20, peak  # ... what it costs to open and index is not


def test_the_replay_source_keeps_its_own_history(big: Path) -> None:
    with Recording(big) as recording:
        source = ReplaySource(recording)
        for _ in range(5):
            source.poll_once()
        assert [s.time for s in source.history][-1] == T0 + 4
        source.seek(1000)  # perhaps past what the background index has reached yet
        source.poll_once()
        history = list(source.history)
        assert history[-1].time == T0 + 1004 and len(history) == source.history.maxlen
        source.seek(-1004)
        source.poll_once()
        assert [s.time for s in source.history] == [T0]  # never the future after a seek back


def test_a_recording_being_written_ends_at_its_last_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    write_big_recording(path, 3)
    with path.open("a") as out:
        out.write('{"time": 1, "stat')
    with Recording(path) as recording:
        recording.indexed.wait(5)
        assert len(recording) == 3
    assert len(list(read_snapshots(path))) == 3


def test_a_corrupt_line_in_the_middle_is_named_when_reached(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    write_big_recording(path, 3)
    with path.open("a") as out:
        out.write("garbage\n")
    write_big_recording(tmp_path / "more.jsonl", 1)
    with Recording(path) as recording:
        recording.indexed.wait(5)
        with pytest.raises(RecordingError, match="line 4 is not a raytui snapshot"):
            recording[3]
        source = ReplaySource(recording)
        source.seek(3)
        shown = source.poll_once()
        assert not shown.status.connected and "line 4" in shown.status.errors[0]
