"""Station files' TEMP readings with numpy, a batch of whole files at a time.

`format.parse_member` is the definition (and its slow path the reference); this is the
path the loader tries first. It takes a file only when all its rows have one and the
same NOAA shape (the check of `format`'s fast path: every byte but quotes, commas and
line ends masked, the masked rows equal, that shape matched once), one station id
throughout, every DATE a day of the archive's year or the next, and every TEMP in the
canonical fixed-width form `[spaces][-]digits.digit`. For any other file it answers
None and the caller uses `parse_member`, so this path can only be faster, never different.

The shape is checked per file (`station_table`, three numpy comparisons); the column
work (station ids, dates, TEMP digits, through 65,536-entry tables indexed by two
characters at a time) runs once over the rows of a whole batch, so numpy's cost per call
is paid per batch, not per file. TEMP is kept as integer tenths (int16, exact): `tenths
/ 10` is a correctly rounded division, the same float64 as `float(text)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workloads.gsod.format import _ROW_SHAPE, _SHAPE_MASK, _TEMP_FROM_END, HEADER_BYTES, year_dates

TEMP_WIDTH = 6
SPECIALS = (ord("\n"), ord('"'), ord(","))  # what format's shape mask keeps (CR is refused)
MISSING_TEMP_TENTHS = 99_999  # "9999.9", the sentinel: a row, never a reading
_INT16 = np.iinfo(np.int16)
_HEADER_END = len(HEADER_BYTES) + 1
_WHITESPACE = np.frombuffer(b" \t\x0b\x0c", dtype=np.uint8)  # what bytes.strip() strips, but CR LF

Readings = npt.NDArray[np.int16] | npt.NDArray[np.float64]


@dataclass
class StationTemps:
    """One station file's contribution: its TEMP readings (missing ones left out)."""

    station: str
    tenths: Readings  # int16 tenths of a degree F; float64 degrees if out of int16 range
    rows: int            # valid rows, TEMP missing or not
    missing_temp: int
    next_year_rows: int


def station_table(data: bytes) -> npt.NDArray[np.uint8] | None:
    """The rows after the header as a (rows, row length) array if they all have one
    NOAA shape, else None.

    The test of `format`'s fast path (rows whose bytes, all but quotes, commas, CR and LF
    masked, are equal; the shape matched once), done as one numpy comparison per special
    character: about twice as fast as masking every byte with `bytes.translate`. Per file,
    not per batch: a file's buffers stay under malloc's mmap threshold (128 KB), a
    batch's would each cost a page fault per 4 KB.
    """
    if not data.startswith(HEADER_BYTES) or data[_HEADER_END - 1:_HEADER_END] != b"\n" \
            or not data.endswith(b"\n") or len(data) == _HEADER_END:
        return None
    stride = data.find(b"\n", _HEADER_END) + 1 - _HEADER_END
    count, extra = divmod(len(data) - _HEADER_END, stride)
    row = data[_HEADER_END:_HEADER_END + stride - 1]
    if extra or b"\r" in data or not _ROW_SHAPE.fullmatch(row.translate(_SHAPE_MASK)):
        return None
    table = np.frombuffer(data, np.uint8, offset=_HEADER_END).reshape(count, stride)
    for special in SPECIALS:  # in every row at the same places as in the first
        found = (table == special).tobytes()
        if found != found[:stride] * count:
            return None
    return table


def parse_station_files(files: Sequence[bytes], year: int) -> list[StationTemps | None]:
    """Each file's readings and counts, or None for a file this path does not take."""
    return parse_tables([station_table(data) for data in files], year)


def parse_tables(file_tables: Sequence[npt.NDArray[np.uint8] | None], year: int
                 ) -> list[StationTemps | None]:
    """`parse_station_files` for files already cut into tables by `station_table` (the
    loader does that as each file arrives, while its bytes are in the CPU's cache)."""
    tables = {i: table for i, table in enumerate(file_tables) if table is not None}
    results: list[StationTemps | None] = [None] * len(file_tables)
    if not tables:
        return results
    counts = np.array([len(t) for t in tables.values()])
    ends = np.cumsum(counts)
    starts = ends - counts
    # Per row: '"STATION","DATE' (24 bytes from column 1) and TEMP's 6.
    heads = np.concatenate([t[:, 1:25] for t in tables.values()])
    temps = np.concatenate([t[:, t.shape[1] - 1 - _TEMP_FROM_END:][:, :TEMP_WIDTH]
                            for t in tables.values()])
    tenths, temp_ok = _temp_tenths(temps)
    is_next_year, date_ok = _dates(heads[:, 14:22], heads[:, 22:24], year)
    # The station id as two numbers: characters 0-7, and 8-10 with the closing quote.
    station_keys = (heads[:, 0:8].view("<u8")[:, 0], heads[:, 8:12].view("<u4")[:, 0])
    same_station = np.logical_and.reduce(
        [key == np.repeat(key[starts], counts) for key in station_keys])
    rows_ok = temp_ok & date_ok & same_station
    file_ok = np.logical_and.reduceat(rows_ok, starts) if not rows_ok.all() \
        else np.ones(len(tables), dtype=bool)
    ids = heads[starts, :11]
    # format strips ids and decodes them as UTF-8: leave such ids to it
    file_ok &= ~np.isin(ids[:, [0, -1]], _WHITESPACE).any(axis=1) & (ids < 128).all(axis=1)
    missing = tenths == MISSING_TEMP_TENTHS
    missing_rows = np.add.reduceat(missing, starts).tolist()
    next_year_rows = np.add.reduceat(is_next_year, starts).tolist()
    readings = _compact(np.where(missing, 0, tenths))  # missing ones are dropped below
    names = ids.tobytes().decode("latin-1")
    for k, (i, start, end, ok) in enumerate(zip(tables, starts.tolist(), ends.tolist(),
                                                 file_ok.tolist(), strict=True)):
        if not ok:
            continue
        mine = readings[start:end]  # a view: the batch's readings are all kept anyway
        if missing_rows[k]:
            mine = mine[~missing[start:end]]
        results[i] = StationTemps(names[11 * k:11 * k + 11], mine, end - start,
                                  missing_rows[k], next_year_rows[k])
    return results


def _compact(tenths: npt.NDArray[np.int32]) -> Readings:
    """int16 tenths when the batch's readings fit (real ones always do), else degrees."""
    if _INT16.min <= tenths.min() and tenths.max() <= _INT16.max:
        return tenths.astype(np.int16)
    return tenths / 10.0


# Two characters read as one little-endian uint16 are looked up in 65,536-entry tables.
# TEMP's integer part is 4 characters, two pairs: the kind of the left pair (characters
# 0-1) and of the right pair (2-3) say whether the text is canonical and its sign.
_INVALID = 0
_L_BLANK, _L_MINUS, _L_DIGIT, _L_NEG_DIGIT, _L_DIGITS = 1, 2, 3, 4, 5  # "  " " -" " 7" "-7" "17"
_R_DIGITS, _R_DIGIT, _R_NEG_DIGIT = 1, 2, 3                            # "17" " 7" "-7"
_CANONICAL = np.zeros((6, 4), dtype=bool)
_CANONICAL[_L_BLANK, [_R_DIGITS, _R_DIGIT, _R_NEG_DIGIT]] = True  # "  17" "   7" "  -7"
_CANONICAL[[_L_MINUS, _L_DIGIT, _L_NEG_DIGIT, _L_DIGITS], _R_DIGITS] = True  # " -17" ...
_NEGATIVE = np.zeros((6, 4), dtype=bool)
_NEGATIVE[_L_BLANK, _R_NEG_DIGIT] = _NEGATIVE[[_L_MINUS, _L_NEG_DIGIT], _R_DIGITS] = True


@dataclass(frozen=True)
class _PairTables:
    left_kind: npt.NDArray[np.uint8]
    right_kind: npt.NDArray[np.uint8]
    value: npt.NDArray[np.int32]    # the pair's digits as a number ("-7" and " 7" are 7)
    decimal: npt.NDArray[np.int8]   # ".7" -> 7, anything else -1
    day: npt.NDArray[np.int8]       # "01".."99" -> its number, anything else 0


def _pair_tables() -> _PairTables:
    pairs = np.arange(1 << 16, dtype=np.uint32)
    first, second = (pairs & 0xFF).astype(np.int32), (pairs >> 8).astype(np.int32)
    first_digit = (first >= ord("0")) & (first <= ord("9"))
    second_digit = (second >= ord("0")) & (second <= ord("9"))
    first_space, second_space = first == ord(" "), second == ord(" ")
    first_minus, second_minus = first == ord("-"), second == ord("-")
    both_digits = first_digit & second_digit
    left_kind = np.select(
        [first_space & second_space, first_space & second_minus, first_space & second_digit,
         first_minus & second_digit, both_digits],
        [_L_BLANK, _L_MINUS, _L_DIGIT, _L_NEG_DIGIT, _L_DIGITS], _INVALID)
    right_kind = np.select(
        [both_digits, first_space & second_digit, first_minus & second_digit],
        [_R_DIGITS, _R_DIGIT, _R_NEG_DIGIT], _INVALID)
    number = (first - ord("0")) * 10 + second - ord("0")
    value = np.where(both_digits, number, np.where(second_digit, second - ord("0"), 0))
    decimal = np.where((first == ord(".")) & second_digit, second - ord("0"), -1)
    return _PairTables(left_kind.astype(np.uint8), right_kind.astype(np.uint8),
                       value.astype(np.int32), decimal.astype(np.int8),
                       np.where(both_digits, number, 0).astype(np.int8))


_PAIRS = _pair_tables()


def _temp_tenths(temps: npt.NDArray[np.uint8]
                 ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Per row: TEMP as signed tenths, and whether its text is `[spaces][-]digits.digit`."""
    pairs = temps.view("<u2")  # (rows, 3): characters 0-1, 2-3, 4-5
    left, right, decimal = pairs[:, 0], pairs[:, 1], pairs[:, 2]
    left_kind, right_kind = _PAIRS.left_kind[left], _PAIRS.right_kind[right]
    decimal_digit = _PAIRS.decimal[decimal]
    canonical = _CANONICAL[left_kind, right_kind] & (decimal_digit >= 0)
    values = (_PAIRS.value[left] * 100 + _PAIRS.value[right]) * 10 + decimal_digit
    return np.where(_NEGATIVE[left_kind, right_kind], -values, values), canonical


_MONTHS: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.int8], npt.NDArray[np.bool_]]] = {}


def _month_table(year: int
                 ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """The 24 texts "YYYY-MM-" of the archive's year and the next read as uint64 (sorted
    as numbers), each month's number of days, and whether it is in the next year."""
    if year not in _MONTHS:
        prefixes: list[bytes] = []
        lengths: list[int] = []
        for y in (year, year + 1):
            dates = year_dates(y)
            for month in range(1, 13):
                prefix = f"{y}-{month:02d}-".encode()
                prefixes.append(prefix)
                lengths.append(sum(d.startswith(prefix) for d in dates))
        keys = np.frombuffer(b"".join(prefixes), dtype="<u8")
        order = np.argsort(keys)
        _MONTHS[year] = (keys[order], np.array(lengths, dtype=np.int8)[order],
                         (np.arange(24) >= 12)[order])
    return _MONTHS[year]


def _dates(months: npt.NDArray[np.uint8], days: npt.NDArray[np.uint8], year: int
           ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per row: dated in the next year; a day of the archive's year or the next."""
    keys, lengths, in_next_year = _month_table(year)
    texts = months.view("<u8").ravel()
    found = np.minimum(np.searchsorted(keys, texts), len(keys) - 1)
    day = _PAIRS.day[days.view("<u2").ravel()]
    valid = (keys[found] == texts) & (day >= 1) & (day <= lengths[found])
    return in_next_year[found], valid
