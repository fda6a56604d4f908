"""The GSOD driver's progress lines: written from an actor's get_progress answer, read
back without Ray, and never mistaken for the result or other output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workloads.gsod.progress_lines import GsodProgress, parse_progress_line, progress_line

STATE = {"year": 2019, "members": 120, "stations": 118, "rows": 39_000,
         "bytes_read": 600_000, "bytes_total": 1_200_000, "done": False, "error": None}
ACTOR = "5f2b8c0a1d9e7f3a4b6c8d0e01000000"


def test_a_line_round_trips_to_the_progress_it_reports() -> None:
    line = progress_line(2019, ACTOR, STATE)
    assert json.loads(line) == {"gsod_progress": {
        "year": 2019, "actor_id": ACTOR, "stations": 118, "station_files": 120,
        "rows": 39_000, "bytes": 600_000, "total_bytes": 1_200_000, "done": False}}
    progress = parse_progress_line(line + "\n")
    assert progress == GsodProgress(2019, ACTOR, 118, 120, 39_000, 600_000, 1_200_000, False)
    assert progress is not None and progress.fraction == 0.5


@pytest.mark.parametrize(("read", "total", "done", "fraction"), [
    (0, 0, False, 0.0), (0, 1000, False, 0.0), (250, 1000, False, 0.25),
    (1500, 1000, False, 1.0), (10, 1000, True, 1.0), (0, 0, True, 1.0)])
def test_fraction_stays_between_0_and_1(read: int, total: int, done: bool,
                                        fraction: float) -> None:
    assert GsodProgress(1980, ACTOR, 0, 0, 0, read, total, done).fraction == fraction


@pytest.mark.parametrize("line", [
    "", "Number of stations in common: 4", '{"years": [1980, 2020], "load_s": 1.2}',
    '{"gsod_progress": ', '{"gsod_progress": 3}', '["gsod_progress"]',
    '{"gsod_progress": {"year": 2019}}',
    '{"gsod_progress": {"year": "2019", "actor_id": "a", "stations": 1, '
    '"station_files": 1, "rows": 1, "bytes": 1, "total_bytes": 2, "done": false}}',
    '{"gsod_progress": {"year": 2019, "actor_id": "a", "stations": true, '
    '"station_files": 1, "rows": 1, "bytes": 1, "total_bytes": 2, "done": false}}',
])
def test_other_lines_are_not_progress(line: str) -> None:
    assert parse_progress_line(line) is None


def test_the_parser_does_not_import_ray_or_numpy() -> None:
    code = ("import sys; import workloads.gsod.progress_lines; "
            "print(sorted(m for m in ('ray', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
