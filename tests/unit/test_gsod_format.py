"""The GSOD station-file parser on NOAA's real files, against a plain csv-module reference."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workloads.gsod.format as gsod_format
from workloads.gsod.format import (
    COLUMNS,
    HEADER_LINE,
    FormatError,
    Reading,
    parse_member,
    parse_member_slow,
    parse_record,
)

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"
REAL_FILES = sorted(REAL_DATA.glob("*/*.csv"))


def archive_year(path: Path) -> int:
    return int(path.parent.name[:4])


def reference(path: Path, year: int) -> dict[str, object]:
    """What a careful reader with the csv module finds in one file."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    temps, next_year = [], 0
    for row in rows[1:]:
        assert len(row) == 28
        date = dt.date.fromisoformat(row[1])
        assert date.year in (year, year + 1)
        next_year += date.year == year + 1
        if float(row[6]) != 9999.9:
            temps.append(float(row[6]))
    return {"rows": len(rows) - 1, "temps": temps, "next_year": next_year,
            "hot": sum(t >= 100 for t in temps)}


def test_the_real_sample_files_are_there() -> None:
    assert len(REAL_FILES) == 18, f"expected the sample files under {REAL_DATA}"


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_and_slow_parsers_match_the_reference_on_real_files(path: Path) -> None:
    year = archive_year(path)
    expected = reference(path, year)
    data = path.read_bytes()
    for parsed in (parse_member(data, path.name, year), parse_member_slow(data, path.name, year)):
        assert parsed.rows == expected["rows"]
        assert not parsed.skipped
        assert parsed.next_year_rows == expected["next_year"]
        (station,) = parsed.temps
        assert station == path.stem
        assert list(parsed.temps[station]) == expected["temps"]
        assert sum(t >= 100 for t in parsed.temps[station]) == expected["hot"]


def test_the_fast_path_handles_every_real_file_without_falling_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fallback(*args: object) -> None:
        raise AssertionError(f"fell back to the slow parser on {args[1]}")

    monkeypatch.setattr(gsod_format, "parse_member_slow", no_fallback)
    for path in REAL_FILES:
        parse_member(path.read_bytes(), path.name, archive_year(path))


def test_known_facts_of_the_real_files() -> None:
    def hot(name: str) -> int:
        parsed = parse_member((REAL_DATA / "2019" / name).read_bytes(), name, 2019)
        return sum(t >= 100 for temps in parsed.temps.values() for t in temps)

    # Kuwait and Jahra are hot; Jan Mayen never is. Two 2019 files end on 2020-01-01.
    assert hot("40582099999.csv") > 50 and hot("40586099999.csv") > 50
    assert hot("01001099999.csv") == 0
    next_year = [parse_member(p.read_bytes(), p.name, 2019).next_year_rows
                 for p in sorted((REAL_DATA / "2019").glob("*.csv"))]
    assert sum(next_year) == 2


def first_record(path: Path) -> list[str]:
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return next(reader)


def test_records_keep_commas_in_names_and_turn_sentinels_into_none() -> None:
    jahra = parse_record(first_record(REAL_DATA / "2019" / "40586099999.csv"), 2019)
    assert isinstance(jahra, Reading)
    assert jahra.location["NAME"] == "JAHRA, KU"
    assert jahra.values["TEMP"] == 57.5
    assert jahra.values["VISIB"] is None and jahra.values["STP"] is None  # 999.9
    assert jahra.values["MXSPD"] is None and jahra.values["GUST"] is None
    assert jahra.flags["TEMP_ATTRIBUTES"] == " 8"
    jan_mayen = parse_record(first_record(REAL_DATA / "2019" / "01001099999.csv"), 2019)
    assert isinstance(jan_mayen, Reading)
    assert jan_mayen.values["STP"] == pytest.approx(1023.9)  # "023.9": NOAA drops the 1
    assert jan_mayen.values["SNDP"] is None


def test_the_unknown_location_station_has_no_location() -> None:
    path = REAL_DATA / "2019" / "99999900126.csv"
    line = path.read_text().splitlines()[1]
    assert ',"2019-01-01",,,,,"' in line  # empty, unquoted fields
    reading = parse_record(first_record(path), 2019)
    assert isinstance(reading, Reading)
    assert reading.location == dict.fromkeys(("LATITUDE", "LONGITUDE", "ELEVATION", "NAME"))
    assert reading.values["TEMP"] == 59.9
    assert reading.values["SLP"] is None  # 9999.9


def test_missing_precipitation_is_none() -> None:
    path = REAL_DATA / "2024" / "01001499999.csv"
    reading = parse_record(first_record(path), 2024)
    assert isinstance(reading, Reading)
    assert reading.values["PRCP"] is None  # 99.99
    assert reading.values["SLP"] is None


def test_malformed_rows_are_skipped_and_counted() -> None:
    path = REAL_DATA / "2019" / "40586099999.csv"
    lines = path.read_text().splitlines()
    good = lines[1]
    fields = next(csv.reader([good]))
    bad_rows = [
        ",".join(f'"{f}"' for f in fields[:-1]),                     # 27 fields
        good.replace('"2019-01-01"', '"2019-02-30"'),                  # no such day
        good.replace('"2019-01-01"', '"2017-06-01"'),                  # not this archive's year
        good.replace('"2019-01-01"', '"01/01/2019"'),                  # not ISO
        good.replace('"  57.5"', '"  abc."'),                          # TEMP not a number
        good.replace('"  57.5"', '"   nan"'),                          # float() would take it
        good.replace('"  57.5"', '""'),                                # TEMP empty
        good.replace('"40586099999"', '""'),                           # no station
        "",                                                             # blank line
    ]
    text = "\n".join([lines[0], *bad_rows, *lines[1:]]) + "\n"
    for parse in (parse_member, parse_member_slow):
        parsed = parse(text.encode(), path.name, 2019)
        assert parsed.rows == len(lines) - 1
        assert dict(parsed.skipped) == {"fields": 2, "date": 3, "temp": 3, "station": 1}
        assert list(parsed.temps["40586099999"]) == reference(path, 2019)["temps"]


def test_a_missing_temp_is_a_row_but_never_a_reading() -> None:
    path = REAL_DATA / "2019" / "40582099999.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"  56.7"', '"9999.9"')
    parsed = parse_member(("\n".join(lines) + "\n").encode(), path.name, 2019)
    assert parsed.rows == len(lines) - 1
    assert parsed.missing_temp == 1
    assert len(parsed.temps["40582099999"]) == len(lines) - 2
    assert parsed.station_rows["40582099999"] == len(lines) - 1


@pytest.mark.parametrize("data", [b"STATION,DATE\n1,2\n", b"\x1f\x8b\x08\x00binary\0\0\n", b""])
def test_a_file_that_is_not_a_station_file_is_an_error(data: bytes) -> None:
    with pytest.raises(FormatError, match="x.csv"):
        parse_member(data, "x.csv", 2019)


# --- property tests -----------------------------------------------------------------

def _quoted(value: float, width: int, decimals: int = 1) -> str:
    return f'"{value:{width}.{decimals}f}"'


@st.composite
def noaa_rows(draw: st.DrawFn, year: int = 2019) -> tuple[str, str, float | None, bool]:
    station = draw(st.sampled_from(["01001099999", "40586099999", "99999900126"]))
    day = draw(st.integers(0, 365))
    date = dt.date(year, 1, 1) + dt.timedelta(day)
    temp = draw(st.one_of(st.none(), st.integers(-1147, 1199).map(lambda t: t / 10)))
    if station.startswith("999999"):
        place = ",,,"
    else:
        name = draw(st.text("ABCDEFGHIJ ,-'", min_size=0, max_size=30))
        lat = draw(st.floats(-90, 90, allow_nan=False)).__round__(5)
        place = f'"{lat}","-8.6666667","9.0","{name}"'
    temp_text = '"9999.9"' if temp is None else _quoted(temp, 6)
    rest = ('"24","  15.5","24","1025.1","24","023.9","24"," 21.2"," 6","  8.9","24",'
            '" 18.5"," 31.5","  30.2","*","  17.4"," "," 0.00","G","999.9","001000"')
    line = f'"{station}","{date.isoformat()}",{place},{temp_text},{rest}'
    return station, line, temp, date.year == year + 1


@settings(max_examples=60, deadline=None)
@given(st.lists(noaa_rows(), min_size=0, max_size=40))
def test_valid_rows_round_trip(rows: list[tuple[str, str, float | None, bool]]) -> None:
    data = "\n".join([HEADER_LINE, *(line for _, line, _, _ in rows)]) + "\n"
    for parse in (parse_member, parse_member_slow):
        parsed = parse(data.encode(), "m.csv", 2019)
        assert parsed.rows == len(rows) and not parsed.skipped
        assert parsed.next_year_rows == sum(nxt for *_, nxt in rows)
        assert parsed.missing_temp == sum(temp is None for _, _, temp, _ in rows)
        for station in {s for s, *_ in rows}:
            expected = [t for s, _, t, _ in rows if s == station and t is not None]
            assert list(parsed.temps.get(station, [])) == expected


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(noaa_rows().map(lambda r: (r[1], True)),
                          st.text(st.characters(blacklist_characters='"\r\n\0'),
                                  max_size=80).map(lambda t: (t, False))), max_size=30))
def test_malformed_rows_are_counted_never_crash(lines: list[tuple[str, bool]]) -> None:
    # Without stray quotes every line is one record: a valid row or a skipped one.
    text = "\n".join([HEADER_LINE, *(line for line, _ in lines)]) + "\n"
    data = text.encode("utf-8", "surrogatepass")
    fast = parse_member(data, "m.csv", 2019)
    slow = parse_member_slow(data, "m.csv", 2019)
    assert (fast.rows, fast.skipped, fast.temps) == (slow.rows, slow.skipped, slow.temps)
    assert fast.rows + sum(fast.skipped.values()) == len(lines)
    assert fast.rows >= sum(ok for _, ok in lines)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(noaa_rows().map(lambda r: r[1]),
                          st.text(st.characters(blacklist_characters="\0"), max_size=60)),
                max_size=20))
def test_any_text_gives_the_same_counts_on_both_paths(lines: list[str]) -> None:
    # Any text at all, quotes and carriage returns included: the two paths agree, and
    # each line is exactly one valid or one skipped row.
    data = ("\n".join([HEADER_LINE, *lines]) + "\n").encode("utf-8", "surrogatepass")
    fast = parse_member(data, "m.csv", 2019)
    slow = parse_member_slow(data, "m.csv", 2019)
    assert (fast.rows, fast.skipped, fast.temps) == (slow.rows, slow.skipped, slow.temps)
    assert fast.rows + sum(fast.skipped.values()) == data.count(b"\n") - 1
