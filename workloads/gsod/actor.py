"""`GSODActor`: one year's archive held as compact columns inside a Ray actor.

The tutorial keeps one namedtuple of 28 strings per row (several GB for a real year).
We keep what the experiment asks about: per station, a numpy array of its TEMP readings
(int16 tenths, 2 bytes a reading), plus the counts. `YearColumns` is the loader
(testable without Ray): `archive.station_members` streams the station files (each in
the reader's buffer), `bulk` checks each file's shape as it arrives and parses them a
batch at a time, `format.parse_member` takes any file `bulk` declines. `GSODActor`
wraps it with the tutorial's methods and a progress report.

The archive reaches the actor as a path on the actor's own node when `has_file` says the
driver's file is there, else as bytes through Ray's object store (so the actor can run
on a node that does not have the file). Reading the file keeps the actor's memory small:
the object store's pages of a 110 MB archive count in the reader's RSS.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import ray

from workloads.gsod.archive import ArchiveStreamError, CountingReader, station_members
from workloads.gsod.bulk import Readings, RowFields, StationTemps, parse_rows, station_rows
from workloads.gsod.format import FormatError, MemberRows, parse_member

BATCH_BYTES = 2 << 20  # station files parsed together (numpy's cost per call, paid per batch)
Archive = bytes | memoryview | npt.NDArray[np.uint8] | str | os.PathLike[str]


class ArchiveError(ValueError):
    """An archive that cannot be read: corrupt, truncated, or not GSOD station files."""


def as_buffer(archive: bytes | memoryview | npt.NDArray[np.uint8]) -> memoryview:
    """A byte view of an archive held in memory (a numpy array from Ray's object store is
    read in place, not copied)."""
    return archive.data.cast("B") if isinstance(archive, np.ndarray) else memoryview(archive)


@dataclass
class LoadProgress:
    year: int
    members: int = 0            # station files read so far
    stations: int = 0           # distinct stations among them (parsed so far)
    rows: int = 0               # valid rows so far
    bytes_read: int = 0         # compressed bytes consumed
    bytes_total: int = 0
    done: bool = False
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def tenths_at_or_above(high_temp: float) -> int:
    """The least integer t with t / 10 >= high_temp (as floats): `tenths >= it` counts
    exactly the readings `float(text) >= high_temp` counts (division rounds correctly
    and is monotonic). Only for finite thresholds."""
    k = math.ceil(high_temp * 10)
    while (k - 1) / 10 >= high_temp:
        k -= 1
    while k / 10 < high_temp:
        k += 1
    return k


@dataclass
class YearColumns:
    """One year's archive as per-station TEMP columns and counts."""

    year: int
    # station -> TEMP readings: int16 tenths of a degree F (station files read by the
    # numpy path, exact), or float64 degrees (files read by format's parser).
    readings: dict[str, Readings] = field(default_factory=dict)
    station_rows: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    missing_temp: int = 0
    next_year_rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    members: int = 0

    @property
    def stations(self) -> set[str]:
        return set(self.station_rows)

    @property
    def skipped_rows(self) -> int:
        return sum(self.skipped.values())

    def temps(self, station: str) -> npt.NDArray[np.float64]:
        """A station's readings in degrees F (empty if it has none)."""
        values = self.readings.get(station)
        if values is None:
            return np.empty(0)
        return values / 10.0 if values.dtype == np.int16 else values.astype(np.float64)

    def load(self, archive: Archive, name: str = "",
             on_progress: Callable[[int], None] | None = None) -> None:
        """Read every station file of a `.tar.gz`: its bytes (or a buffer over them) or a
        path. `on_progress(compressed bytes read)` after each station file and at the
        end; `members` counts files read, `station_rows` and `rows` those parsed (files
        are parsed a batch at a time)."""
        if not isinstance(archive, (str, os.PathLike)):
            self._load_stream(CountingReader(as_buffer(archive)),
                              name or f"{self.year}.tar.gz", on_progress)
            return
        label = name or str(archive)
        try:
            handle = open(archive, "rb")  # noqa: SIM115 - closed below, after streaming
        except OSError as err:
            raise ArchiveError(f"{label}: cannot open archive ({err.strerror})") from None
        with handle:
            self._load_stream(CountingReader(handle), label, on_progress)

    def _load_stream(self, reader: CountingReader, label: str,
                     on_progress: Callable[[int], None] | None) -> None:
        member_name = "(start)"
        # per file: its name, a copy of its bytes (the reader's buffer is reused; format
        # parses any file `bulk` declines) and its rows' fields, if their shape passed
        batch: list[tuple[str, bytes, RowFields | None]] = []
        batch_bytes = 0
        try:
            try:
                # One pass over the gzip (the tutorial's getmembers() + extractfile()
                # decompresses the archive twice); each file's shape checked in the
                # reader's buffer as it arrives, the batch's files parsed together.
                for member_name, buffer, start, end in station_members(reader):
                    if not member_name.endswith(".csv"):
                        raise ArchiveError(f"{label}: member {member_name!r} is not a "
                                           "station CSV file; not a GSOD archive?")
                    with memoryview(buffer) as view:
                        data = bytes(view[start:end])
                    batch.append((member_name, data, station_rows(buffer, start, end)))
                    batch_bytes += len(data)
                    self.members += 1
                    if batch_bytes >= BATCH_BYTES:
                        self._add_batch(batch)
                        batch, batch_bytes = [], 0
                    if on_progress:
                        on_progress(reader.consumed)
            except ArchiveStreamError as err:
                # Files read before the damage come first, as when each was parsed on
                # arrival: one of them that is not a station file is the error named.
                self._add_batch(batch)
                raise ArchiveError(f"{label}: corrupt or truncated archive "
                                   f"(after member {member_name!r}): {err}") from None
            except OSError as err:
                raise ArchiveError(f"{label}: cannot read archive ({err})") from None
            self._add_batch(batch)
            if on_progress:  # the last batch's stations and rows
                on_progress(reader.consumed)
        except FormatError as err:
            raise ArchiveError(f"{label}: {err}") from None

    def _add_batch(self, batch: list[tuple[str, bytes, RowFields | None]]) -> None:
        parsed = parse_rows([rows for _, _, rows in batch], self.year)
        for (member, data, _), result in zip(batch, parsed, strict=True):
            if result is None:
                self._add_rows(parse_member(data, member, self.year))
            else:
                self._add_station(result)

    def _add_station(self, parsed: StationTemps) -> None:
        self.rows += parsed.rows
        self.missing_temp += parsed.missing_temp
        self.next_year_rows += parsed.next_year_rows
        self.station_rows[parsed.station] += parsed.rows
        self._add_readings(parsed.station, parsed.tenths)

    def _add_rows(self, parsed: MemberRows) -> None:
        self.rows += parsed.rows
        self.missing_temp += parsed.missing_temp
        self.next_year_rows += parsed.next_year_rows
        self.skipped.update(parsed.skipped)
        self.station_rows.update(parsed.station_rows)
        for station, temps in parsed.temps.items():
            self._add_readings(station, np.asarray(temps, dtype=np.float64))

    def _add_readings(self, station: str, values: Readings) -> None:
        known = self.readings.get(station)
        if known is None:
            self.readings[station] = values
        elif known.dtype == values.dtype:
            self.readings[station] = np.concatenate([known, values])
        else:  # one file in tenths, another in degrees: degrees, exactly as parsed
            self.readings[station] = np.concatenate([self.temps(station), values / 10.0
                                                     if values.dtype == np.int16 else values])

    def high_temp_count(self, high_temp: float, stations: Iterable[str] | None = None) -> int:
        """Rows with TEMP >= high_temp (missing TEMP never counts), at `stations` or all."""
        high_temp = float(high_temp)
        if math.isnan(high_temp) or high_temp == math.inf:
            return 0
        at_or_above_tenths = tenths_at_or_above(high_temp) if math.isfinite(high_temp) else None
        chosen = self.readings.keys() if stations is None else stations
        total = 0
        for station in chosen:
            values = self.readings.get(station)
            if values is None:
                continue
            if values.dtype != np.int16:
                total += int(np.count_nonzero(values >= high_temp))
            elif at_or_above_tenths is None or at_or_above_tenths <= -(1 << 15):
                total += len(values)  # every reading is at or above the threshold
            elif at_or_above_tenths < 1 << 15:
                total += int(np.count_nonzero(values >= at_or_above_tenths))
        return total

    def summary(self) -> dict[str, Any]:
        return {
            "year": self.year, "stations": len(self.station_rows), "rows": self.rows,
            "members": self.members, "missing_temp": self.missing_temp,
            "next_year_rows": self.next_year_rows, "skipped_rows": self.skipped_rows,
            "skipped": dict(self.skipped),
        }


# Two concurrent calls so `get_progress` answers while `load_data` runs.
@ray.remote(max_concurrency=2)  # type: ignore[call-overload]
class GSODActor:
    """The tutorial's actor, with compact columns and a load progress report."""

    def __init__(self, year: int | str, high_temp: float) -> None:
        self.year = int(year)
        self.high_temp = float(high_temp)
        self.columns = YearColumns(self.year)
        self._lock = threading.Lock()
        self._progress = LoadProgress(self.year)
        self.load_s = 0.0

    def has_file(self, path: str, size: int, mtime_ns: int, node_id: str) -> bool:
        """Whether this actor runs on node `node_id` and sees there the very file the
        driver saw (same size and modification time): then it reads the file itself."""
        if ray.get_runtime_context().get_node_id() != node_id:
            return False
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return stat.st_size == size and stat.st_mtime_ns == mtime_ns

    def load_data(self, archive: Archive, archive_size: int | None = None) -> dict[str, Any]:
        """Load the archive: its bytes (from the object store) or a path on this node."""
        if archive_size:
            size = archive_size
        elif isinstance(archive, (str, os.PathLike)):
            size = os.path.getsize(archive) if os.path.exists(archive) else 0
        else:
            size = len(as_buffer(archive))
        with self._lock:
            self._progress = LoadProgress(self.year, bytes_total=size)
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            self.columns.load(archive, f"{self.year}.tar.gz", self._on_progress)
        except ArchiveError as err:
            with self._lock:
                self._progress.error = str(err)
            raise
        self.load_s = time.perf_counter() - started
        load_cpu_s = time.thread_time() - cpu_started
        with self._lock:
            self._progress.rows = self.columns.rows
            self._progress.stations = len(self.columns.station_rows)
            self._progress.bytes_read = size
            self._progress.done = True
        return {**self.columns.summary(), "load_s": self.load_s, "load_cpu_s": load_cpu_s,
                "peak_rss_mb": self.get_memory()["peak_rss_mb"],
                "node_id": ray.get_runtime_context().get_node_id()}

    def _on_progress(self, consumed: int) -> None:
        with self._lock:
            self._progress.members = self.columns.members
            self._progress.stations = len(self.columns.station_rows)
            self._progress.rows = self.columns.rows
            self._progress.bytes_read = consumed

    def get_progress(self) -> dict[str, Any]:
        """Station files, stations, rows and compressed bytes read so far (moves during
        the load: updated after each station file)."""
        with self._lock:
            return self._progress.to_json()

    def get_row_count(self) -> int:
        return self.columns.rows

    def get_station_count(self) -> int:
        return len(self.columns.station_rows)

    def get_stations(self) -> set[str]:
        return self.columns.stations

    def get_high_temp_count(self, stations: Iterable[str] | None = None) -> int:
        return self.columns.high_temp_count(self.high_temp, stations)

    def get_memory(self) -> dict[str, float]:
        """This actor process's resident memory now and at its peak (MB), and CPU seconds."""
        import resource

        import psutil

        usage = resource.getrusage(resource.RUSAGE_SELF)  # ru_maxrss in KB on Linux
        return {"rss_mb": psutil.Process().memory_info().rss / 1e6,
                "peak_rss_mb": usage.ru_maxrss / 1e3, "cpu_s": usage.ru_utime + usage.ru_stime}

    def get_summary(self) -> dict[str, Any]:
        return {**self.columns.summary(), "load_s": self.load_s}
