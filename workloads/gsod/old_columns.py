"""TEMPORARY: the loader as it was before `tarfile` over isal and `bulk` replaced it
(git HEAD c675737), kept only until the comparison in test_gsod_load_matches_old.py has
frozen its counts. Deleted in the next commit."""

from __future__ import annotations

import io
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from workloads.gsod.format import FormatError, parse_member
from workloads.gsod.tarstream import TarGzReader, TarStreamError


class OldArchiveError(ValueError):
    """An archive that cannot be read: corrupt, truncated, or not GSOD station files."""


@dataclass
class OldYearColumns:
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
            raise OldArchiveError(f"{label}: cannot open archive ({err.strerror})") from None
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
                    raise OldArchiveError(f"{label}: member {member_name!r} is not a station "
                                       "CSV file; not a GSOD archive?")
                self._add_member(data, member_name)
                if on_member:
                    on_member(self.members, reader.consumed)
        except FormatError as err:
            raise OldArchiveError(f"{label}: {err}") from None
        except (TarStreamError, OSError) as err:
            raise OldArchiveError(f"{label}: corrupt or truncated archive "
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
