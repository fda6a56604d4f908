"""Station files' TEMP readings with numpy, a batch of whole files at a time.

`format.parse_member` is the definition (and its slow path the reference); this is the
path the loader tries first. It takes a file only when all its rows have one and the
same NOAA shape (the check of `format`'s fast path: every byte but quotes, commas and
line ends masked, the masked rows equal, that shape matched once), one station id
throughout, every DATE a day of the archive's year or the next, and every TEMP in the
canonical fixed-width form `[spaces][-]digits.digit`. For any other file it answers
None and the caller uses `parse_member`, so this path can only be faster, never different.

The shape is checked per file (`station_rows`: per special character one numpy
comparison of every byte, then that answer compared with itself a row further on, a
memcmp), and while the file's bytes are in the CPU's cache the two fields read are
copied out of every row: the 24 characters from the station id to the end of DATE, and
TEMP's 6 (30 bytes of a row's ~250). A batch of files then reads everything from those
in a fixed number of numpy passes over its rows: no Python per row, and per file only
the slicing and the result. TEMP's and DATE's characters are read two at a time as
uint16 through 65,536-entry tables whose entries add up (see `_temp_tables`), so a
reading and its check cost three lookups and a few sums. TEMP is kept as integer tenths
(int16, exact): `tenths / 10` is a correctly rounded division, the same float64 as
`float(text)`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workloads.gsod.format import _ROW_SHAPE, _SHAPE_MASK, _TEMP_FROM_END, HEADER_BYTES, year_dates

SPECIALS = (ord("\n"), ord('"'), ord(","))  # what format's shape mask keeps (CR is refused)
MISSING_TEMP_TENTHS = 99_999  # "9999.9", the sentinel: a row, never a reading
_INT16 = np.iinfo(np.int16)
_HEADER_END = len(HEADER_BYTES) + 1

Readings = npt.NDArray[np.int16] | npt.NDArray[np.float64]
# A file's rows as two views: the 24 characters from the station id to the end of DATE,
# and TEMP's 6, each row's as one numpy void (copied as a whole, faster than as bytes).
RowFields = tuple[npt.NDArray[np.void], npt.NDArray[np.void]]


@dataclass
class StationTemps:
    """One station file's contribution: its TEMP readings (missing ones left out)."""

    station: str
    tenths: Readings  # int16 tenths of a degree F; float64 degrees if out of int16 range
    rows: int            # valid rows, TEMP missing or not
    missing_temp: int
    next_year_rows: int


# The 24 characters after a row's opening quote: the id (0-10), '","' and DATE (14-23),
# read as the id in two numbers (characters 0-7; 8-10 with the closing quote),
# "YYYY-MM-" as one number, "YYYY" alone, and the pairs "MM" and "DD".
_KEY_OFFSET = 1
_KEY_DTYPE = np.dtype({"names": ["id_head", "id_tail", "month", "year", "mm", "dd"],
                       "formats": ["<u8", "<u4", "<u8", "<u4", "<u2", "<u2"],
                       "offsets": [0, 8, 14, 14, 19, 22], "itemsize": 24})
_TEMP_WIDTH = 6
_ROW_DTYPES: dict[int, np.dtype[np.void]] = {}


def _row_dtype(stride: int) -> np.dtype[np.void]:
    """A row `stride` bytes long (line break included) as the two fields read."""
    if stride not in _ROW_DTYPES:
        _ROW_DTYPES[stride] = np.dtype({
            "names": ["key", "temp"], "formats": [f"V{_KEY_DTYPE.itemsize}", f"V{_TEMP_WIDTH}"],
            "offsets": [_KEY_OFFSET, stride - 1 - _TEMP_FROM_END], "itemsize": stride})
    return _ROW_DTYPES[stride]


class _Scratch(threading.local):
    """A buffer for one file's per-byte test, reused (one a thread): numpy writes the
    test into it and bytes' own comparison reads it, neither allocating."""

    def __init__(self) -> None:
        self.resize(256 << 10)

    def resize(self, size: int) -> None:
        self.buffer = bytearray(size)
        self.flags = np.frombuffer(self.buffer, np.bool_)
        self.view = memoryview(self.buffer)


_SCRATCH = _Scratch()
_SPECIALS = tuple(np.uint8(c) for c in SPECIALS)


def station_rows(data: bytes | bytearray, start: int = 0, end: int | None = None
                 ) -> RowFields | None:
    """The two fields `parse_rows` reads, copied out of every row after the header, if
    the rows all have one NOAA shape, else None. The file is `data[start:end]` (read in
    place: the loader's buffer holds several).

    The test of `format`'s fast path (rows whose bytes, all but quotes, commas, CR and LF
    masked, are equal; the shape matched once), done per special character as one numpy
    comparison of every byte and one comparison of that answer with itself a row
    further on (`startswith` over a view: a memcmp, no copy). About three times as fast
    as masking every byte with `bytes.translate`.
    """
    end = len(data) if end is None else end
    body = start + _HEADER_END  # the first row
    if end <= body or not data.startswith(HEADER_BYTES, start, end) or data[body - 1] != 10 \
            or not data.endswith(b"\n", start, end):
        return None
    stride = data.find(b"\n", body, end) + 1 - body
    size = end - body
    count, extra = divmod(size, stride)
    if extra or data.find(b"\r", start, end) >= 0 \
            or not _ROW_SHAPE.fullmatch(data[body:body + stride - 1].translate(_SHAPE_MASK)):
        return None
    table = np.frombuffer(data, np.uint8, size, body)
    scratch = _SCRATCH
    if size > len(scratch.buffer):
        scratch.resize(size)
    flags, found = scratch.flags[:size], scratch.buffer
    for special in _SPECIALS:  # in every row at the same places as in the one before
        np.equal(table, special, out=flags)
        if not found.startswith(scratch.view[stride:size]):
            return None
    # copied while the file is in the CPU's cache: a batch then gathers 30 bytes a row
    rows = np.frombuffer(data, _row_dtype(stride), count, body)
    return rows["key"].copy(), rows["temp"].copy()


def parse_station_files(files: Sequence[bytes], year: int) -> list[StationTemps | None]:
    """Each file's readings and counts, or None for a file this path does not take."""
    return parse_rows([station_rows(data) for data in files], year)


def parse_rows(file_rows: Sequence[RowFields | None], year: int) -> list[StationTemps | None]:
    """`parse_station_files` for files already viewed as rows by `station_rows` (the
    loader does that as each file arrives, while its bytes are in the CPU's cache)."""
    taken = [(i, rows) for i, rows in enumerate(file_rows) if rows is not None]
    results: list[StationTemps | None] = [None] * len(file_rows)
    if not taken:
        return results
    counts = np.array([len(key) for _, (key, _) in taken], dtype=np.intp)
    keys = np.concatenate([key for _, (key, _) in taken])
    fields = keys.view(_KEY_DTYPE)
    temps = np.concatenate([temp for _, (_, temp) in taken]).view("<u2").reshape(-1, 3)
    ends = np.cumsum(counts)
    starts = ends - counts
    tenths, temp_ok = _temp_tenths(temps[:, 0], temps[:, 1], temps[:, 2])
    is_next_year, date_ok = _dates(fields, year)
    firsts = fields[starts]
    rows_ok = temp_ok & date_ok & (fields["id_head"] == np.repeat(firsts["id_head"], counts)) \
        & (fields["id_tail"] == np.repeat(firsts["id_tail"], counts))
    all_ok = bool(rows_ok.all())
    file_ok = [True] * len(taken) if all_ok else np.logical_and.reduceat(rows_ok, starts).tolist()
    missing = tenths == MISSING_TEMP_TENTHS
    any_missing = bool(missing.any())
    missing_rows = np.add.reduceat(missing, starts).tolist() if any_missing else [0] * len(taken)
    next_year_rows = np.add.reduceat(is_next_year, starts).tolist()
    # Missing readings are dropped below, and rows of files not taken are not readings:
    # neither may widen the batch's readings to float64.
    dropped = missing if all_ok else missing | ~rows_ok
    readings = _compact(np.where(dropped, 0, tenths) if any_missing or not all_ok else tenths)
    ids = keys[starts].tobytes()
    for k, ((i, _), start, end, ok) in enumerate(zip(taken, starts.tolist(), ends.tolist(),
                                                      file_ok, strict=True)):
        station = ids[24 * k:24 * k + 11]
        # format strips ids and decodes them as UTF-8: leave such ids to it
        if not ok or not station.isascii() or station.strip() != station:
            continue
        mine = readings[start:end]  # a view: the batch's readings are all kept anyway
        if missing_rows[k]:
            mine = mine[~missing[start:end]]
        results[i] = StationTemps(station.decode("ascii"), mine, end - start,
                                  missing_rows[k], next_year_rows[k])
    return results


def _compact(tenths: npt.NDArray[np.int32]) -> Readings:
    """int16 tenths when the batch's readings fit (real ones always do), else degrees."""
    if _INT16.min <= tenths.min() and tenths.max() <= _INT16.max:
        return tenths.astype(np.int16)
    return tenths / 10.0


# TEMP is 6 characters, read as three pairs: its integer part's left pair (characters
# 0-1), right pair (2-3), and ".d". Each pair's table gives its share of the value in
# tenths, plus flag bits, so that the three shares' sum is the value's magnitude with
# the flags above it:
#   left:  "  " 0 | " 7" 7000 | "17" 17000 | " -" minus | "-7" minus + 7000 | else BAD
#   right: "17" 170 | " 7" 70 + BLANK | "-7" 70 + BLANK + minus | else BAD
#   ".d": d | else BAD
# where a right pair that needs blanks on its left (" 7", "-7") carries BLANK and every
# left pair but "  " carries BLANK too: two of them add up to 2 * BLANK, a carry into a
# bit above, so a non-canonical text ("1 -7.0", "- 7.0") shows in the sum as BAD does.
_MAGNITUDE = (1 << 20) - 1
_MINUS, _BLANK, _TOO_MANY_BLANKS, _BAD = 1 << 20, 1 << 21, 1 << 22, 1 << 23


def _temp_tables() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    pairs = np.arange(1 << 16, dtype=np.uint32)
    first, second = (pairs & 0xFF).astype(np.int32), (pairs >> 8).astype(np.int32)
    first_digit, second_digit = (first >= 48) & (first <= 57), (second >= 48) & (second <= 57)
    first_space, first_minus = first == ord(" "), first == ord("-")
    both = (first - 48) * 10 + second - 48
    left = np.select(
        [first_space & (second == ord(" ")), first_space & (second == ord("-")),
         first_space & second_digit, first_minus & second_digit, first_digit & second_digit],
        [0, _BLANK + _MINUS, _BLANK + (second - 48) * 1000, _BLANK + _MINUS + (second - 48) * 1000,
         _BLANK + both * 1000], _BAD)
    right = np.select(
        [first_digit & second_digit, first_space & second_digit, first_minus & second_digit],
        [both * 10, _BLANK + (second - 48) * 10, _BLANK + _MINUS + (second - 48) * 10], _BAD)
    decimal = np.where((first == ord(".")) & second_digit, second - 48, _BAD)
    return left.astype(np.int32), right.astype(np.int32), decimal.astype(np.int32)


_TEMP_LEFT, _TEMP_RIGHT, _TEMP_DECIMAL = _temp_tables()


def _temp_tenths(left: npt.NDArray[np.uint16], right: npt.NDArray[np.uint16],
                 decimal: npt.NDArray[np.uint16]
                 ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Per row: TEMP as signed tenths, and whether its text is `[spaces][-]digits.digit`
    (given as its characters 0-1, 2-3 and 4-5, each pair read as a little-endian uint16)."""
    total = _TEMP_LEFT[left]
    total += _TEMP_RIGHT[right]
    total += _TEMP_DECIMAL[decimal]
    magnitude = total & _MAGNITUDE
    # at most one minus sign can add up: "-7" on the right needs "  " on the left
    return np.where(total & _MINUS, -magnitude, magnitude), total < _TOO_MANY_BLANKS


_DATE_TABLES: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8], int]] = {}


def _pair_numbers(last: int) -> npt.NDArray[np.uint8]:
    """"01".."last" (two characters read as a little-endian uint16) -> the number; else 0."""
    table = np.zeros(1 << 16, dtype=np.uint8)
    for n in range(1, last + 1):
        table[int.from_bytes(f"{n:02d}".encode(), "little")] = n
    return table


_MONTH_NUMBER, _DAY_NUMBER = _pair_numbers(12), _pair_numbers(31)


def _date_tables(year: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8], int]:
    """For index month + 13 * (in the next year): "YYYY-MM-" read as a uint64 (0 where
    there is no such month) and the month's number of days; and "YYYY" of the next
    year read as a uint32."""
    if year not in _DATE_TABLES:
        keys = np.zeros(26, dtype=np.uint64)
        lengths = np.zeros(26, dtype=np.uint8)
        for next_year, y in enumerate((year, year + 1)):
            dates = year_dates(y)
            for month in range(1, 13):
                prefix = f"{y}-{month:02d}-".encode()
                keys[13 * next_year + month] = int.from_bytes(prefix, "little")
                lengths[13 * next_year + month] = sum(d.startswith(prefix) for d in dates)
        _DATE_TABLES[year] = (keys, lengths, int.from_bytes(f"{year + 1}".encode(), "little"))
    return _DATE_TABLES[year]


def _dates(fields: npt.NDArray[np.void], year: int
           ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per row: dated in the next year; a day of the archive's year or the next."""
    keys, lengths, next_year = _date_tables(year)
    in_next_year = fields["year"] == next_year
    index = _MONTH_NUMBER[fields["mm"]] + in_next_year * np.uint8(13)
    # the whole "YYYY-MM-" as expected (also the year, when it is neither of the two);
    # no month (index 0 or 13) has no days, so its key 0 never passes
    valid = keys[index] == fields["month"]
    day = _DAY_NUMBER[fields["dd"]]
    valid &= (day - np.uint8(1)) < lengths[index]  # day 0 wraps to 255: never a day
    return in_next_year, valid
