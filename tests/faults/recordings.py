"""Large recordings made fast: one real snapshot line, repeated with its time changed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.app.fakes import T0, make_snapshot
from tui.core.model import to_json


def write_big_recording(path: Path, count: int, workers: int = 40) -> int:
    """`count` snapshots one second apart; returns the file's size in bytes."""
    busy = {pid: 10.0 for pid in range(1001, 1001 + workers)}
    line = json.dumps(to_json(make_snapshot(time=T0, busy=busy)), separators=(",", ":"))
    head, tail = line.split(f'"time":{T0}', 1)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(f'{head}"time":{T0 + index}{tail}\n')
    return path.stat().st_size
