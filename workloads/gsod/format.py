"""The NOAA GSOD station-file format: one CSV per station, 28 quoted columns.

Two parsers that must agree:
- `parse_record` / `parse_station_file_slow`: the definition, built on the `csv` module,
  typed values, every sentinel turned into None, every malformed row skipped with a reason.
- `parse_member`: the fast path used by the actor. One regular expression over the whole
  member pulls STATION, DATE and TEMP out of every row in NOAA's exact layout; if any row
  does not match (another layout, a malformed row, an odd date or TEMP) the member is
  re-read with the slow parser, so the fast path can only be faster, never different.

Rows dated in the year after the archive's year (a 2019 file ending with 2020-01-01)
are valid rows of the archive: they are kept, as NOAA ships them, and counted apart
as `next_year_rows` so nobody mistakes them for malformed ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

COLUMNS: tuple[str, ...] = (
    "STATION", "DATE", "LATITUDE", "LONGITUDE", "ELEVATION", "NAME",
    "TEMP", "TEMP_ATTRIBUTES", "DEWP", "DEWP_ATTRIBUTES", "SLP", "SLP_ATTRIBUTES",
    "STP", "STP_ATTRIBUTES", "VISIB", "VISIB_ATTRIBUTES", "WDSP", "WDSP_ATTRIBUTES",
    "MXSPD", "GUST", "MAX", "MAX_ATTRIBUTES", "MIN", "MIN_ATTRIBUTES",
    "PRCP", "PRCP_ATTRIBUTES", "SNDP", "FRSHTT",
)
HEADER_LINE = ",".join(f'"{name}"' for name in COLUMNS)
HEADER_BYTES = HEADER_LINE.encode()

# Missing-value sentinels, per column: such a value is never a reading.
MISSING: dict[str, float] = {
    "TEMP": 9999.9, "DEWP": 9999.9, "SLP": 9999.9, "MAX": 9999.9, "MIN": 9999.9,
    "STP": 999.9, "VISIB": 999.9, "WDSP": 999.9, "MXSPD": 999.9, "GUST": 999.9,
    "SNDP": 999.9, "PRCP": 99.99,
}
# Width of each value inside its quotes in NOAA's files (right-aligned).
WIDTHS: dict[str, int] = {
    "TEMP": 6, "DEWP": 6, "SLP": 6, "MAX": 6, "MIN": 6,
    "STP": 5, "VISIB": 5, "WDSP": 5, "MXSPD": 5, "GUST": 5, "PRCP": 5, "SNDP": 5,
    "TEMP_ATTRIBUTES": 2, "DEWP_ATTRIBUTES": 2, "SLP_ATTRIBUTES": 2, "STP_ATTRIBUTES": 2,
    "VISIB_ATTRIBUTES": 2, "WDSP_ATTRIBUTES": 2,
    "MAX_ATTRIBUTES": 1, "MIN_ATTRIBUTES": 1, "PRCP_ATTRIBUTES": 1, "FRSHTT": 6,
}
LOCATION_COLUMNS = ("LATITUDE", "LONGITUDE", "ELEVATION", "NAME")
TEMP_MISSING_BYTES = b"9999.9"

# Reasons a row is skipped (keys of the `skipped` counters).
SKIP_FIELDS = "fields"    # not 28 fields
SKIP_STATION = "station"  # empty station id
SKIP_DATE = "date"        # not a calendar date YYYY-MM-DD, or a year the archive does not hold
SKIP_TEMP = "temp"        # TEMP not a number

# The fast path checks a row's *shape*: every byte that is not a quote, comma or line end
# is masked to "x", so all rows of a station look alike and one regular expression per
# distinct shape checks them all. The shape is NOAA's: STATION 11 and DATE 10 characters,
# four location fields quoted or empty (NAME may hold commas), then the 22 fields from
# TEMP on in their fixed widths, so TEMP sits at a fixed distance from the line end.
_SHAPE_MASK = bytes(c if c in b'",\r\n' else ord("x") for c in range(256))
_TAIL_COLUMNS = COLUMNS[6:]
_TAIL_SHAPE = b"".join(b',"' + b"x" * WIDTHS[c] + b'"' for c in _TAIL_COLUMNS)
_ROW_SHAPE = re.compile(
    rb'"x{11}","x{10}",(?:"[x,]*")?,(?:"[x,]*")?,(?:"[x,]*")?,(?:"[x,]*")?' + re.escape(_TAIL_SHAPE)
)
_TEMP_FROM_END = len(_TAIL_SHAPE) - 2  # the TEMP value starts after ',"'
_TEMP_SLICE = slice(-_TEMP_FROM_END, -_TEMP_FROM_END + WIDTHS["TEMP"])


class FormatError(ValueError):
    """A member that is not a GSOD station file (wrong header, not CSV)."""


@dataclass
class MemberRows:
    """What one station file contributes: TEMP readings per station, and the counts."""

    temps: dict[str, array] = field(default_factory=dict)  # station -> TEMP values ('d')
    station_rows: Counter[str] = field(default_factory=Counter)  # station -> valid rows
    rows: int = 0                # valid rows (TEMP missing or not)
    missing_temp: int = 0        # valid rows whose TEMP is the sentinel
    next_year_rows: int = 0      # valid rows dated in the year after the archive's
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, station: str, temp: float | None) -> None:
        self.rows += 1
        self.station_rows[station] += 1
        if temp is None:
            self.missing_temp += 1
        else:
            self.temps.setdefault(station, array("d")).append(temp)


def _date_strings(year: int) -> frozenset[bytes]:
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    return frozenset((first + dt.timedelta(d)).isoformat().encode() for d in range(days))


_DATE_CACHE: dict[int, frozenset[bytes]] = {}


def year_dates(year: int) -> frozenset[bytes]:
    if year not in _DATE_CACHE:
        _DATE_CACHE[year] = _date_strings(year)
    return _DATE_CACHE[year]


def parse_date(text: str, year: int | None) -> tuple[dt.date, bool] | None:
    """(date, is in the next year) or None when the date is bad for this archive."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        return None
    if year is None:
        return date, False
    if date.year == year:
        return date, False
    if date.year == year + 1:
        return date, True
    return None


NUMBER_BYTES = b"0123456789 .-"
_NUMBER_CHARS = frozenset(NUMBER_BYTES.decode())


def parse_number(column: str, text: str) -> float | None:
    """A numeric column's value, None for its missing-value sentinel. Raises ValueError.

    Only digits, '.', '-' and spaces: float() alone would take 'nan', 'inf' or '1_0'.
    """
    if not _NUMBER_CHARS.issuperset(text):
        raise ValueError(f"not a number: {text!r}")
    value = float(text)
    if column in MISSING and value == MISSING[column]:
        return None
    if column == "STP" and value < 200:
        value += 1000.0  # NOAA drops the leading 1 of pressures >= 1000 mb ("015.4")
    return value


@dataclass(frozen=True)
class Reading:
    """One row, typed. Sentinels are None; location is None for unknown-location stations."""

    station: str
    date: dt.date
    next_year: bool
    location: dict[str, str | None]
    values: dict[str, float | None]
    flags: dict[str, str]


NUMERIC_COLUMNS = ("TEMP", "DEWP", "SLP", "STP", "VISIB", "WDSP", "MXSPD", "GUST",
                   "MAX", "MIN", "PRCP", "SNDP")


def parse_record(fields: list[str], year: int | None = None) -> Reading | str:
    """Parse one CSV record; return a Reading or the reason it is skipped."""
    if len(fields) != len(COLUMNS):
        return SKIP_FIELDS
    row = dict(zip(COLUMNS, fields, strict=True))
    station = row["STATION"].strip()
    if not station:
        return SKIP_STATION
    parsed_date = parse_date(row["DATE"].strip(), year)
    if parsed_date is None:
        return SKIP_DATE
    values: dict[str, float | None] = {}
    for column in NUMERIC_COLUMNS:
        text = row[column].strip()
        try:
            values[column] = parse_number(column, text) if text else None
        except ValueError:
            if column == "TEMP":
                return SKIP_TEMP
            values[column] = None  # a bad secondary column does not lose the row's TEMP
    if not row["TEMP"].strip():
        return SKIP_TEMP
    location = {c: (row[c].strip() or None) for c in LOCATION_COLUMNS}
    flags = {c: row[c] for c in COLUMNS if c not in NUMERIC_COLUMNS and c not in
             ("STATION", "DATE", *LOCATION_COLUMNS)}
    return Reading(station, parsed_date[0], parsed_date[1], location, values, flags)


def check_header(first_line: bytes | str, member: str) -> None:
    line = first_line.decode("latin-1") if isinstance(first_line, bytes) else first_line
    if line.rstrip("\r") != HEADER_LINE:
        shown = line[:60] + ("..." if len(line) > 60 else "")
        raise FormatError(f"{member}: not a GSOD station file (header is {shown!r})")


def iter_records(data: bytes, member: str) -> Iterator[list[str] | None]:
    """The CSV record of each line after the header; None for a line that is not one.

    One record per line: NOAA never puts a line break inside a field, so a stray quote
    can only spoil its own line, never swallow the rows after it.
    """
    if b"\0" in data[:4096]:
        raise FormatError(f"{member}: not a CSV text file (binary content)")
    text = data.decode("latin-1")  # never fails; NOAA files are ASCII
    # Split on LF only, as the fast path does (splitlines() would also split on \x85...).
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise FormatError(f"{member}: empty file, no GSOD header")
    check_header(lines[0], member)
    for line in lines[1:]:
        line = line.removesuffix("\r")
        if not line.strip():
            yield None
            continue
        try:
            yield next(csv.reader([line]))
        except csv.Error:
            yield None


def parse_member_slow(data: bytes, member: str, year: int | None = None) -> MemberRows:
    result = MemberRows()
    for fields in iter_records(data, member):
        parsed = SKIP_FIELDS if fields is None else parse_record(fields, year)
        if isinstance(parsed, str):
            result.skipped[parsed] += 1
            continue
        result.add(parsed.station, parsed.values["TEMP"])
        result.next_year_rows += parsed.next_year
    return result


def parse_member(data: bytes, member: str, year: int | None = None) -> MemberRows:
    """Fast path for NOAA's exact layout; falls back to the slow parser on any doubt."""
    header_end = data.find(b"\n")
    if header_end < 0 or data[:header_end] != HEADER_BYTES or not data.endswith(b"\n"):
        return parse_member_slow(data, member, year)
    if len(data) == header_end + 1:
        return MemberRows()  # a header and no rows
    body = data[header_end + 1:-1]
    rows = _rows_in_noaa_shape(body)
    if rows is None:
        return parse_member_slow(data, member, year)
    station, dates, temp_texts = rows
    if station is None or station.strip() != station:
        return parse_member_slow(data, member, year)  # rare: keep one code path for it
    next_year = 0
    if year is not None:
        this_year = year_dates(year)
        if not this_year.issuperset(dates):
            following = year_dates(year + 1)
            if not (this_year | following).issuperset(dates):
                return parse_member_slow(data, member, year)
            next_year = sum(1 for date in dates if date in following)
    elif not all(parse_date(d.decode(), None) for d in set(dates)):
        return parse_member_slow(data, member, year)
    if TEMP_MISSING_BYTES in temp_texts or b"".join(temp_texts).translate(None, NUMBER_BYTES):
        return parse_member_slow(data, member, year)
    try:
        temps = array("d", map(float, temp_texts))
    except ValueError:
        return parse_member_slow(data, member, year)
    result = MemberRows(rows=len(temp_texts), next_year_rows=next_year)
    result.temps[station.decode("latin-1")] = temps  # as the slow path decodes
    result.station_rows[station.decode("latin-1")] = len(temps)
    return result


def _column(body: bytes, start: int, width: int, stride: int, count: int) -> list[bytes]:
    """The `width` bytes at `start` of every row, for rows of equal length, without a
    Python loop over rows: character columns are cut with stride slices, interleaved
    with a line break (which no field can hold) into one buffer, and split on it."""
    buffer = bytearray(count * (width + 1))
    for offset in range(width):
        buffer[offset::width + 1] = body[start + offset::stride]
    buffer[width::width + 1] = b"\n" * count
    return bytes(buffer[:-1]).split(b"\n")


def _rows_in_noaa_shape(body: bytes) -> tuple[bytes | None, list[bytes], list[bytes]] | None:
    """(the station if every row has the same, DATE texts, TEMP texts), or None if a row
    is not in NOAA's shape.

    A station's rows usually all have one shape and so one length: then the masked body is
    that shape repeated (one comparison) and fields are read at a fixed stride; the
    station id is checked one character column at a time with stride slices.
    """
    masked = body.translate(_SHAPE_MASK)
    first_end = masked.find(b"\n")
    shape = masked if first_end < 0 else masked[:first_end]
    count, extra = divmod(len(masked) + 1, len(shape) + 1)
    if not extra and masked == b"\n".join([shape] * count):
        if not _ROW_SHAPE.fullmatch(shape):
            return None
        stride = len(shape) + 1
        station: bytes | None = body[1:12]
        if any(body[1 + i::stride] != body[1 + i:2 + i] * count for i in range(11)):
            station = None
        temp_start = len(shape) - _TEMP_FROM_END
        dates = _column(body, 15, 10, stride, count)
        temps = _column(body, temp_start, WIDTHS["TEMP"], stride, count)
        return station, dates, temps
    if not all(_ROW_SHAPE.fullmatch(s) for s in set(masked.split(b"\n"))):
        return None
    lines = body.split(b"\n")
    stations = {line[1:12] for line in lines}
    only = stations.pop() if len(stations) == 1 else None
    return only, [line[15:25] for line in lines], [line[_TEMP_SLICE] for line in lines]


def parse_station_text(text: str, year: int | None = None) -> MemberRows:
    """Convenience for one file's text (tests, single files)."""
    return parse_member(text.encode("latin-1"), "<text>", year)
