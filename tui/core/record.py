"""Record snapshots as JSON lines, and read them back (the app's replay mode).

One line per snapshot, `model.to_json` form. A recording may still be being
written: a last line without its newline is an incomplete write and is ignored.
Anything else that does not parse is a corrupt file, reported with its line number.

`Recording` opens a file of any size at once: it checks the first line, then
indexes line offsets in a background thread (8 bytes a snapshot: 100,000
snapshots of 470 MB take 0.8 MB) and parses a snapshot only when asked for it.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO

from tui.core.model import Snapshot, snapshot_from_json, to_json
from tui.core.text import first_line

_CHUNK = 1 << 20
_CACHE = 256  # parsed snapshots kept (a history window and some)


class RecordingError(ValueError):
    """A recording that cannot be read or written (one line, names the file and line)."""


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
        try:
            self._file.write(json.dumps(to_json(snapshot), separators=(",", ":")) + "\n")
            self._file.flush()
        except OSError as err:  # a full disk (ENOSPC), a removed mount: a user's problem
            self._abandon()
            raise RecordingError(f"cannot write {self.path}: {err.strerror or err}") from None

    def _abandon(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with suppress(OSError):  # the buffered rest cannot be written either
                file.close()

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as err:
                self._file = None
                raise RecordingError(f"cannot write {self.path}: {err.strerror or err}") from None
            self._file = None

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_line(path: Path, number: int, line: bytes | str) -> Snapshot:
    try:
        data = json.loads(line)
        if not isinstance(data, dict) or "time" not in data or "status" not in data:
            raise ValueError("not a snapshot object")
        return snapshot_from_json(data)
    except (ValueError, TypeError, KeyError) as err:  # UnicodeDecodeError is a ValueError
        raise RecordingError(
            f"{path}: line {number} is not a raytui snapshot ({first_line(err, 120)})"
        ) from None


def read_snapshots(path: str | Path) -> Iterator[Snapshot]:
    path = Path(path)
    handle = _open(path)
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                snapshot = parse_line(path, number, line)
            except RecordingError:
                if not line.endswith(b"\n"):
                    return  # the recorder is writing this line right now
                raise
            yield snapshot


def _open(path: Path) -> IO[bytes]:
    if path.is_dir():
        raise RecordingError(f"{path} is a directory, not a recording")
    try:
        return path.open("rb")
    except OSError as err:
        raise RecordingError(f"cannot read {path}: {err.strerror or err}") from None


class Recording:
    """A recording's snapshots by index, read from disk on demand.

    `len()` grows while the background index runs (`indexed` says when it is done);
    blank lines are skipped; a line that does not parse raises RecordingError when read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = _open(self.path)
        self._offsets = array("q")
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, Snapshot] = OrderedDict()
        self.indexed = threading.Event()
        self.error: RecordingError | None = None
        first = self._file.readline()
        while first and not first.strip():
            first = self._file.readline()
        if not first:
            self._file.close()
            raise RecordingError(f"{self.path}: the recording holds no snapshots")
        parse_line(self.path, 1, first)  # a binary or foreign file fails here, at once
        self._stop = threading.Event()
        self._indexer = threading.Thread(target=self._index, name="raytui-replay-index",
                                         daemon=True)
        self._indexer.start()
        self.wait_for(1)

    def _index(self) -> None:
        try:
            with self.path.open("rb") as scan:
                offset, line_start, blank = 0, 0, True
                while not self._stop.is_set():
                    chunk = scan.read(_CHUNK)
                    if not chunk:
                        break
                    start = 0
                    while True:
                        end = chunk.find(b"\n", start)
                        if end < 0:
                            blank = blank and not chunk[start:].strip()
                            break
                        if not (blank and not chunk[start:end].strip()):
                            with self._lock:
                                self._offsets.append(line_start)
                        line_start, blank, start = offset + end + 1, True, end + 1
                    offset += len(chunk)
                # a last line without its newline is a write in progress: not indexed
        except OSError as err:
            self.error = RecordingError(f"cannot read {self.path}: {err.strerror or err}")
        finally:
            self.indexed.set()

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Wait (bounded) until `count` snapshots are indexed or the index is complete."""
        deadline = threading.Event()
        waited = 0.0
        while len(self) < count and not self.indexed.is_set() and waited < timeout:
            deadline.wait(0.01)
            waited += 0.01
        return len(self) >= count

    def __len__(self) -> int:
        return len(self._offsets)

    def __getitem__(self, index: int) -> Snapshot:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
            self._file.seek(self._offsets[index])
            line = self._file.readline()
        snapshot = parse_line(self.path, index + 1, line)
        with self._lock:
            self._cache[index] = snapshot
            if len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return snapshot

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._file.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
