"""numpy's path over station files agrees with format's reference parser wherever it takes
a file, takes every clean NOAA file, and a batch answers as its files one by one."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workloads.gsod.actor import tenths_at_or_above
from workloads.gsod.bulk import _KEY_DTYPE, StationTemps, _dates, _temp_tenths, parse_station_files
from workloads.gsod.format import HEADER_LINE, parse_date, parse_member, parse_member_slow

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"
REAL_FILES = sorted(REAL_DATA.glob("*/*.csv"))
YEAR = 2019
REST = ('"24","  15.5","24","1025.1","24","023.9","24"," 21.2"," 6","  8.9","24",'
        '" 18.5"," 31.5","  30.2","*","  17.4"," "," 0.00","G","999.9","001000"')
PLACE = '"70.9333333","-8.6666667","9.0","JAN MAYEN NOR NAVY, NO"'
ODD_TEMPS = ["  +3.2", " 3.2.1", "   -.5", "0032.1", "-999.9", "  -0.0", " 1 2.3", "   3. ",
             "  12.", " --1.0", "- 12.0", "  1-.0", "12.3  ", "    .5", "  1e.1", "  nan.", "",
             "   1.23", " 32.1", "\0\0\0\0.1", " 12,34"]


def row(station: str, date: str, temp: str, place: str = PLACE) -> str:
    return f'"{station}","{date}",{place},"{temp}",{REST}'


def canonical_temp(tenths: int) -> str:
    return f"{tenths / 10:6.1f}"


def day(year: int, n: int) -> str:
    return (dt.date(year, 1, 1) + dt.timedelta(n)).isoformat()


def one(data: bytes) -> StationTemps | None:
    return parse_station_files([data], YEAR)[0]


def assert_agrees(data: bytes, parsed: StationTemps) -> None:
    reference = parse_member_slow(data, "m.csv", YEAR)
    assert not reference.skipped
    assert list(reference.temps) in ([parsed.station], [])
    assert dict(reference.station_rows) == {parsed.station: parsed.rows}
    assert (reference.rows, reference.missing_temp, reference.next_year_rows) == (
        parsed.rows, parsed.missing_temp, parsed.next_year_rows)
    assert degrees(parsed) == list(reference.temps.get(parsed.station, []))  # same floats


def degrees(parsed: StationTemps) -> list[float]:
    values = parsed.tenths
    return list(values / 10.0 if values.dtype == np.int16 else values)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_file_is_taken_and_agrees(path: Path) -> None:
    year = int(path.parent.name[:4])
    data = path.read_bytes()
    parsed = parse_station_files([data], year)[0]
    assert parsed is not None and parsed.station == path.stem
    reference = parse_member_slow(data, path.name, year)
    assert list(parsed.tenths / 10.0) == list(reference.temps[path.stem])
    assert (parsed.rows, parsed.next_year_rows) == (reference.rows, reference.next_year_rows)


clean_temps = st.one_of(st.integers(-1147, 1299).map(canonical_temp), st.just("9999.9"),
                        st.integers(-9999, 99998).map(canonical_temp))
odd_temps = st.sampled_from(ODD_TEMPS)
clean_dates = st.one_of(st.integers(0, 364).map(lambda n: day(YEAR, n)),
                        st.integers(0, 365).map(lambda n: day(YEAR + 1, n)))
odd_dates = st.sampled_from(["2019-02-29", "2019-13-01", "2019-00-10", "2019-01-00",
                             "2019-04-31", "2021-01-01", "2018-12-31", "2019-1-011",
                             "2019/01/01", "2020-02-30", "2019-01-3a", "2019-01-01 "])


@st.composite
def station_files(draw: st.DrawFn) -> bytes:
    """A station file, clean or with one kind of oddity in some rows."""
    station = draw(st.sampled_from(["01001099999", "40586099999"]))
    oddity = draw(st.sampled_from(["none", "temp", "date", "station", "place", "crlf"]))
    lines = [HEADER_LINE]
    for _ in range(draw(st.integers(1, 30))):
        odd = oddity != "none" and draw(st.integers(0, 4)) == 0
        lines.append(row(
            draw(st.sampled_from(["40582099999", " 1001099999", "4058209999 "]))
            if odd and oddity == "station" else station,
            draw(odd_dates if odd and oddity == "date" else clean_dates),
            draw(odd_temps if odd and oddity == "temp" else clean_temps),
            draw(st.sampled_from([",,,", '"1","2","3","A, B"', '"1",,,""']))
            if odd and oddity == "place" else PLACE))
    text = "\n".join(lines) + "\n"
    if oddity == "crlf":
        text = text.replace("\n", "\r\n")
    return text.encode()


@settings(max_examples=400, deadline=None)
@given(station_files())
@example(("\n".join([HEADER_LINE, row("01001099999", "2019-01-01", "9999.9")]) + "\n").encode())
@example(("\n".join([HEADER_LINE, row("01001099999", "2019-01-01", "  -0.0")]) + "\n").encode())
def test_wherever_it_takes_a_file_it_agrees_with_the_reference(data: bytes) -> None:
    parsed = one(data)
    if parsed is not None:
        assert_agrees(data, parsed)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 366), st.integers(-1147, 1299)), min_size=1,
                max_size=60))
def test_every_clean_file_is_taken(readings: list[tuple[int, int]]) -> None:
    lines = [HEADER_LINE, *(row("40586099999", day(YEAR, n), canonical_temp(t))
                            for n, t in readings)]
    data = ("\n".join(lines) + "\n").encode()
    parsed = one(data)
    assert parsed is not None
    assert_agrees(data, parsed)
    assert parsed.next_year_rows == sum(n >= 365 for n, _ in readings)  # 2020-01-01 on


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(station_files(), st.sampled_from(
    [b"", b"STATION,DATE\n1,2\n", HEADER_LINE.encode() + b"\n", HEADER_LINE.encode()])),
    min_size=1, max_size=8))
def test_a_batch_answers_as_its_files_one_by_one(files: list[bytes]) -> None:
    def facts(parsed: StationTemps | None) -> tuple[object, ...] | None:
        if parsed is None:
            return None
        return (parsed.station, parsed.rows, parsed.missing_temp, parsed.next_year_rows,
                degrees(parsed))

    assert [facts(p) for p in parse_station_files(files, YEAR)] == [facts(one(f)) for f in files]


def test_out_of_int16_readings_are_kept_as_degrees() -> None:
    data = ("\n".join([HEADER_LINE, row("40586099999", "2019-01-01", "8000.1"),
                       row("40586099999", "2019-01-02", "  20.5")]) + "\n").encode()
    parsed = one(data)
    assert parsed is not None and parsed.tenths.dtype == np.float64
    assert_agrees(data, parsed)
    missing = ("\n".join([HEADER_LINE, row("40586099999", "2019-01-01", "9999.9"),
                          row("40586099999", "2019-01-02", "  20.5")]) + "\n").encode()
    parsed = one(missing)  # the sentinel is no reading: it does not widen the others
    assert parsed is not None and parsed.tenths.dtype == np.int16 and parsed.missing_temp == 1


@settings(max_examples=500, deadline=None)
@given(st.floats(-4000, 4000, allow_nan=False), st.integers(-32768, 32767))
@example(100.0, 1000)
@example(99.95, 999)
@example(99.95, 1000)
@example(0.1 + 0.2, 3)
def test_the_tenths_threshold_counts_as_the_float_comparison(high: float, tenths: int) -> None:
    k = tenths_at_or_above(high)
    assert (tenths >= k) == (tenths / 10 >= high)


def test_thresholds_next_to_a_reading_are_exact() -> None:
    for tenths in range(-1200, 1300):
        value = tenths / 10
        for high in (value, math.nextafter(value, math.inf), math.nextafter(value, -math.inf)):
            k = tenths_at_or_above(high)
            assert (tenths >= k) == (value >= high)


@pytest.mark.parametrize("station", ["\t1001099999", "0100109999\x0b", " 1001099999",
                                     "01001 99999", "0100109999\xe9"])
def test_ids_that_format_strips_or_decodes_are_left_to_it(station: str) -> None:
    data = ("\n".join([HEADER_LINE, row(station, "2019-01-01", "  20.5")]) + "\n").encode("latin-1")
    parsed = one(data)
    if station == "01001 99999":  # a space inside is kept by both
        assert parsed is not None
        assert_agrees(data, parsed)
    else:
        assert parsed is None
    reference = parse_member(data, "m.csv", YEAR)  # one file can never crash the load
    assert list(reference.temps) == [station.strip()]


def reference_tenths(text: str) -> int | None:
    """TEMP's 6 characters as tenths if they are `[spaces][-]digits.digit`, else None."""
    if len(text) != 6 or not re.fullmatch(r" *-?[0-9]+\.[0-9]", text):
        return None
    return round(float(text) * 10)


def test_every_temp_text_of_a_small_alphabet_is_read_as_the_reference_reads_it() -> None:
    texts = ["".join(chars) for chars in itertools.product(" -1.9", repeat=6)]
    texts += ["  -0.0", " -00.0", "-999.9", "9999.9", "0000.0", "  +1.0", "  1e.1", " 1\x002.3"]
    pairs = np.frombuffer("".join(texts).encode("latin-1"), dtype="<u2").reshape(-1, 3)
    tenths, canonical = _temp_tenths(pairs[:, 0], pairs[:, 1], pairs[:, 2])
    for text, value, ok in zip(texts, tenths.tolist(), canonical.tolist(), strict=True):
        expected = reference_tenths(text)
        assert ok == (expected is not None), text
        if ok:
            assert value == expected, text


def test_every_date_near_the_year_is_judged_as_format_judges_it() -> None:
    texts = [f"{y}-{m:02d}-{d:02d}" for y in (YEAR - 1, YEAR, YEAR + 1, YEAR + 2)
             for m in range(14) for d in range(33)]
    texts += ["2019-1-011", "2019/01/01", "2019-01-3a", "20190-1-01", "2019-01-01"]
    keys = np.frombuffer("".join(f"{'0' * 11}\",\"{t}" for t in texts).encode(),
                         dtype=_KEY_DTYPE)
    next_year, valid = _dates(keys, YEAR)
    for text, is_next, ok in zip(texts, next_year.tolist(), valid.tolist(), strict=True):
        expected = parse_date(text, YEAR)
        assert ok == (expected is not None), text
        if ok:
            assert is_next == expected[1], text  # type: ignore[index]


def test_a_file_longer_than_the_scratch_buffer_is_taken_and_agrees() -> None:
    lines = [HEADER_LINE, *(row("40586099999", day(YEAR, n % 365), canonical_temp(n % 900))
                            for n in range(1500))]  # ~400 KB: the buffer grows
    data = ("\n".join(lines) + "\n").encode()
    parsed = one(data)
    assert parsed is not None and parsed.rows == 1500
    assert_agrees(data, parsed)
    head, tail = data.rsplit(b'"  8.9"', 1)  # a comma in WDSP, in the last row
    assert one(head + b'"  8,9"' + tail) is None
    assert one(data.replace(b'"  8.9"', b'"  8,9"', 1)) is None  # and in the first
