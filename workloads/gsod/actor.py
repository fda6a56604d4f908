"""`GSODActor`: one year's archive held as compact columns inside a Ray actor.

The tutorial keeps one namedtuple of 28 strings per row (several GB for a real year).
We keep what the experiment asks about: per station, an `array('d')` of its TEMP
readings, plus the counts. `YearColumns` is the plain-Python loader (testable without
Ray); `GSODActor` wraps it with the tutorial's methods and a progress report.

The archive reaches the actor as bytes (through Ray's object store, so the actor can run
on a node that does not have the file) or as a path on the actor's own node.
"""

from __future__ import annotations

import io
import os
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import ray

from workloads.gsod.format import FormatError, parse_member
from workloads.gsod.tarstream import TarGzReader, TarStreamError


class ArchiveError(ValueError):
    """An archive that cannot be read: corrupt, truncated, or not GSOD station files."""


@dataclass
class LoadProgress:
    year: int
    members: int = 0            # station files read so far
    rows: int = 0               # valid rows so far
    bytes_read: int = 0         # compressed bytes consumed
    bytes_total: int = 0
    done: bool = False
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class YearColumns:
    """One year's archive as per-station TEMP columns and counts."""

    year: int
    temps: dict[str, array] = field(default_factory=dict)  # station -> TEMP readings
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

    def load(self, archive: bytes | str | os.PathLike[str], name: str = "",
             on_member: Callable[[int, int], None] | None = None) -> None:
        """Read every station file of a `.tar.gz`; `on_member(members, compressed bytes)`."""
        label = name or (str(archive) if not isinstance(archive, bytes) else f"{self.year}.tar.gz")
        if isinstance(archive, bytes):
            self._load_stream(io.BytesIO(archive), label, on_member)
            return
        try:
            handle = open(archive, "rb")  # noqa: SIM115 - closed below, after streaming
        except OSError as err:
            raise ArchiveError(f"{label}: cannot open archive ({err.strerror})") from None
        with handle:
            self._load_stream(handle, label, on_member)

    def _load_stream(self, raw: IO[bytes], label: str,
                     on_member: Callable[[int, int], None] | None) -> None:
        reader = TarGzReader(raw)
        member_name = "(start)"
        try:
            # One pass over the gzip (the tutorial's getmembers() + extractfile()
            # decompresses the archive twice), members cut from a large buffer.
            for member_name, data in reader:
                if not member_name.endswith(".csv"):
                    raise ArchiveError(f"{label}: member {member_name!r} is not a station "
                                       "CSV file; not a GSOD archive?")
                self._add_member(data, member_name)
                if on_member:
                    on_member(self.members, reader.consumed)
        except FormatError as err:
            raise ArchiveError(f"{label}: {err}") from None
        except (TarStreamError, OSError) as err:
            raise ArchiveError(f"{label}: corrupt or truncated archive "
                               f"(after member {member_name!r}): {err}") from None

    def _add_member(self, data: bytes, member: str) -> None:
        parsed = parse_member(data, member, self.year)
        self.members += 1
        self.rows += parsed.rows
        self.missing_temp += parsed.missing_temp
        self.next_year_rows += parsed.next_year_rows
        self.skipped.update(parsed.skipped)
        self.station_rows.update(parsed.station_rows)
        for station, temps in parsed.temps.items():
            if station in self.temps:
                self.temps[station].extend(temps)
            else:
                self.temps[station] = temps

    def high_temp_count(self, high_temp: float, stations: Iterable[str] | None = None) -> int:
        """Rows with TEMP >= high_temp (missing TEMP never counts), at `stations` or all."""
        chosen = self.temps.keys() if stations is None else stations
        at_or_above = float(high_temp).__le__  # high_temp <= t, i.e. t >= high_temp
        total = 0
        for station in chosen:
            temps = self.temps.get(station)
            if temps is not None:
                total += sum(map(at_or_above, temps))
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

    def load_data(self, archive: bytes | str, archive_size: int | None = None) -> dict[str, Any]:
        """Load the archive: its bytes (from the object store) or a path on this node."""
        size = archive_size or (len(archive) if isinstance(archive, bytes)
                                else os.path.getsize(archive) if os.path.exists(archive) else 0)
        self._progress = LoadProgress(self.year, bytes_total=size)
        started = time.perf_counter()
        try:
            self.columns.load(archive, f"{self.year}.tar.gz", self._on_member)
        except ArchiveError as err:
            with self._lock:
                self._progress.error = str(err)
            raise
        self.load_s = time.perf_counter() - started
        with self._lock:
            self._progress.rows = self.columns.rows
            self._progress.bytes_read = size
            self._progress.done = True
        return {**self.columns.summary(), "load_s": self.load_s,
                "node_id": ray.get_runtime_context().get_node_id()}

    def _on_member(self, members: int, consumed: int) -> None:
        with self._lock:
            self._progress.members = members
            self._progress.rows = self.columns.rows
            self._progress.bytes_read = consumed

    def get_progress(self) -> dict[str, Any]:
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
