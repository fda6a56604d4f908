"""Record snapshots as JSON lines, and read them back (the app's replay mode).

One line per snapshot, `model.to_json` form. A recording may still be being
written: a last line without its newline is an incomplete write and is ignored.
Anything else that does not parse is a corrupt file, reported with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tui.core.model import Snapshot, snapshot_from_json, to_json


class RecordingError(ValueError):
    """A recording that cannot be read (one line, names the file and line)."""


class SnapshotWriter:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._file: IO[str] | None = self.path.open("a", encoding="utf-8")
        except OSError as err:
            raise RecordingError(f"cannot write {self.path}: {err.strerror or err}") from None

    def write(self, snapshot: Snapshot) -> None:
        if self._file is None:
            raise ValueError("write() after close()")
        # one write of a whole line, flushed: a reader never sees half an object
        # except at the very end of a file still being written
        self._file.write(json.dumps(to_json(snapshot), separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_snapshots(path: str | Path) -> Iterator[Snapshot]:
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise RecordingError(f"cannot read {path}: {err.strerror or err}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            complete = line.endswith("\n")
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or "time" not in data or "status" not in data:
                    raise ValueError("not a snapshot object")
                snapshot = snapshot_from_json(data)
            except (ValueError, TypeError, KeyError) as err:
                if not complete:
                    return  # the recorder is writing this line right now
                raise RecordingError(
                    f"{path}: line {number} is not a raytui snapshot ({_short(err)})"
                ) from None
            yield snapshot


def _short(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:120]
