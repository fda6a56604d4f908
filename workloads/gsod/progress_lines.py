"""The GSOD driver's progress lines, and their Ray-free parser for the app.

With `python -m workloads.gsod --progress-json` the driver prints, while both actors
load, one JSON line per actor and poll (about every 0.5 s, and once more when both are
done) to stdout, before its result (still the last JSON object of the output):

    {"gsod_progress": {"year": 2019, "actor_id": "<hex>", "stations": 120,
     "station_files": 120, "rows": 39000, "bytes": 1200000, "total_bytes": 1232214,
     "done": false}}

`actor_id` is the Ray actor id as the state API shows it. This module imports neither Ray
nor numpy, so the app can turn a job's output into progress bars.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

KEY = "gsod_progress"


@dataclass(frozen=True)
class GsodProgress:
    year: int
    actor_id: str
    stations: int
    station_files: int
    rows: int
    bytes: int
    total_bytes: int
    done: bool

    @property
    def fraction(self) -> float:
        """Share of the archive's compressed bytes read, 0 to 1 (1 once done)."""
        if self.done:
            return 1.0
        if self.total_bytes <= 0:
            return 0.0
        return min(1.0, max(0.0, self.bytes / self.total_bytes))


def progress_line(year: int, actor_id: str, state: dict[str, Any]) -> str:
    """The line for one `GSODActor.get_progress()` answer."""
    progress = GsodProgress(year=int(year), actor_id=actor_id,
                            stations=int(state["stations"]),
                            station_files=int(state["members"]), rows=int(state["rows"]),
                            bytes=int(state["bytes_read"]),
                            total_bytes=int(state["bytes_total"]), done=bool(state["done"]))
    return json.dumps({KEY: asdict(progress)})


def parse_progress_line(line: str) -> GsodProgress | None:
    """The progress a line carries, or None for any other line (result, text, garbage)."""
    text = line.strip()
    if not text.startswith("{") or KEY not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    body = data.get(KEY) if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return None
    try:
        return GsodProgress(
            year=_integer(body["year"]), actor_id=str(body["actor_id"]),
            stations=_integer(body["stations"]), station_files=_integer(body["station_files"]),
            rows=_integer(body["rows"]), bytes=_integer(body["bytes"]),
            total_bytes=_integer(body["total_bytes"]), done=body["done"] is True)
    except (KeyError, TypeError, ValueError):
        return None


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    return value
