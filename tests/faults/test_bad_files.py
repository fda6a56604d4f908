"""Bad replay files: one line, exit 2, at once (no Ray needed)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.conftest import one_line_error, raytui


def test_replay_of_random_bytes(tmp_path: Path) -> None:
    """Was: exit 1 with "set RAYTUI_DEBUG=1"."""
    path = tmp_path / "random.bin"
    path.write_bytes(os.urandom(1 << 16))
    ran = raytui("replay", str(path))
    assert "line 1 is not a raytui snapshot" in one_line_error(ran)


def test_replay_of_text_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    assert "not a raytui snapshot" in one_line_error(raytui("replay", str(path)))


def test_replay_of_a_directory(tmp_path: Path) -> None:
    assert "is a directory" in one_line_error(raytui("replay", str(tmp_path)))


def test_replay_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert "holds no snapshots" in one_line_error(raytui("replay", str(path)))
