"""Synthetic GSOD archives: NOAA's layout byte for byte, deterministic, realistic numbers;
and the archive loader on them, on broken archives, against a csv-module reference."""

from __future__ import annotations

import csv
import hashlib
import random
import re
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from tests.unit.gsod_tar import tar_gz
from workloads.gsod.actor import ArchiveError, YearColumns
from workloads.gsod.format import HEADER_LINE
from workloads.gsod.synth import station_csv, station_pool, stations_in_year, write_archive

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"


def shape(line: str) -> str:
    """The layout of a row: every character but quotes and commas becomes x."""
    return re.sub(r'[^",]', "x", line)


def tail_shape(line: str) -> str:
    # From TEMP on, fields never hold commas: the last 22 fields.
    return shape(",".join(line.split(",")[-22:]))


def head_shape(line: str) -> str:
    return shape(",".join(line.split(",")[:2]))


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_archive(2019, tmp_path_factory.mktemp("synth"), scale=0.01, seed=7).path


def members(path: Path) -> dict[str, str]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read().decode("ascii")  # type: ignore[union-attr]
                for m in tar if m.isfile()}


def test_layout_matches_the_real_files(small_archive: Path) -> None:
    real_lines = [line for p in sorted(REAL_DATA.glob("*/*.csv"))
                  for line in p.read_text().splitlines()[1:]]
    real_tails = {tail_shape(line) for line in real_lines}
    real_heads = {head_shape(line) for line in real_lines}
    assert len(real_tails) == 1 and len(real_heads) == 1  # NOAA's layout is fixed
    unknown_real = (REAL_DATA / "2019" / "99999900126.csv").read_text().splitlines()[1]
    files = members(small_archive)
    assert len(files) > 50
    seen_unknown = seen_truncated_stp = 0
    for name, text in files.items():
        assert re.fullmatch(r"[0-9]{11}\.csv", name)
        assert text.endswith("\n") and "\r" not in text
        lines = text.split("\n")[:-1]
        assert lines[0] == HEADER_LINE
        for line in lines[1:]:
            assert tail_shape(line) in real_tails, line
            assert head_shape(line) in real_heads, line
            record = next(csv.reader([line]))
            assert len(record) == 28
            assert record[0] == name[:-4]
            if name.startswith("999999"):
                assert shape(line).count(",,,,,") == 1 == shape(unknown_real).count(",,,,,")
                seen_unknown += 1
            else:
                assert all(record[i] for i in range(2, 6)) and line.count('"') == 56
            stp = record[12]
            if stp != "999.9" and float(stp) < 200:
                assert re.fullmatch(r"0\d\d\.\d", stp)  # NOAA's dropped leading 1
                seen_truncated_stp += 1
    assert seen_unknown or not any(n.startswith("999999") for n in files)
    assert seen_truncated_stp > 100


def test_commas_in_names_and_sentinels_in_their_columns(small_archive: Path) -> None:
    records = [next(csv.reader([line])) for text in members(small_archive).values()
               for line in text.splitlines()[1:]]
    assert any("," in r[5] for r in records if r[5])
    columns: Counter[int] = Counter()
    for r in records:
        for index, sentinel in ((8, "9999.9"), (10, "9999.9"), (14, "999.9"), (19, "999.9"),
                                (24, "99.99"), (26, "999.9")):
            columns[index] += r[index] == sentinel
        assert r[6] != "9999.9"  # TEMP is never missing in NOAA's 2019 files either
    assert all(columns[i] > 0 for i in (8, 10, 14, 19, 24, 26))
    assert columns[26] > len(records) / 2  # SNDP is mostly missing (93 % in 2019)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    def digest(directory: str, seed: int) -> str:
        path = write_archive(1990, tmp_path / directory, scale=0.003, seed=seed).path
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest("a", 3) == digest("b", 3)
    assert digest("c", 4) != digest("a", 3)
    assert not list((tmp_path / "a").glob(".*partial"))


def test_station_counts_at_full_scale() -> None:
    pool = station_pool(1.0, 0)
    recent = {s.station_id for s in stations_in_year(pool, 2020)}
    old = {s.station_id for s in stations_in_year(pool, 1980)}
    assert 11_500 <= len(recent) <= 13_000
    assert 6_000 <= len(old) < len(recent)
    assert 0.4 <= len(old & recent) / len(old) <= 0.65  # about half of the older year
    unknown = [s for s in recent if s.startswith("999999")]
    assert 10 <= len(unknown) <= 100


def test_rows_and_hot_readings_at_full_scale() -> None:
    # A random sample of the scale-1 recent year: 4 % of its stations.
    stations = stations_in_year(station_pool(1.0, 0), 2020)
    sample = random.Random(1).sample(stations, 500)
    rows = hot = 0
    hot_by_station: Counter[str] = Counter()
    for station in sample:
        lines = station_csv(station, 2020, 0).splitlines()[1:]
        rows += len(lines)
        for line in lines:
            if float(next(csv.reader([line]))[6]) >= 100:
                hot += 1
                hot_by_station[station.station_id] += 1
    estimated_rows = rows * len(stations) / len(sample)
    assert 3.6e6 <= estimated_rows <= 4.6e6
    assert 0.0010 <= hot / rows <= 0.0035  # about 0.2 %
    assert len(hot_by_station) <= 0.1 * len(sample)  # concentrated at a few stations
    top = sum(count for _, count in hot_by_station.most_common(len(sample) // 20))
    assert top >= 0.8 * hot


def reference_counts(path: Path) -> tuple[int, int, set[str]]:
    """The tutorial's way, with the csv module: rows, TEMP >= 100 rows, stations."""
    rows = hot = 0
    stations = set()
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            reader = csv.reader(tar.extractfile(member).read().decode().splitlines())  # type: ignore[union-attr]
            next(reader)
            for record in reader:
                rows += 1
                hot += float(record[6]) >= 100
                stations.add(record[0])
    return rows, hot, stations


def test_loader_matches_the_reference(small_archive: Path) -> None:
    rows, hot, stations = reference_counts(small_archive)
    for source in (small_archive, small_archive.read_bytes()):
        columns = YearColumns(2019)
        columns.load(source)
        assert (columns.rows, columns.high_temp_count(100), columns.stations) == (rows, hot, stations)
        assert columns.skipped_rows == 0
    some = set(sorted(stations)[::2])
    expected_some = sum(1 for s in some for t in columns.temps(s) if t >= 100)
    assert columns.high_temp_count(100, some) == expected_some


GOOD = (REAL_DATA / "2019" / "40582099999.csv").read_bytes()


@pytest.mark.parametrize(("archive", "message"), [
    (tar_gz({"40582099999.csv": GOOD})[:-300], "corrupt or truncated"),
    (tar_gz({"40582099999.csv": GOOD})[:3000], "corrupt or truncated"),
    (b"this is not a gzip file at all", "corrupt or truncated"),
    (tar_gz({"40582099999.csv": GOOD, "readme.txt": b"hello"}), "'readme.txt' is not a station CSV"),
    (tar_gz({"x.csv": b"STATION;DATE;TEMP\n1;2;3\n"}), "x.csv: not a GSOD station file"),
    (tar_gz({"y.csv": b"\x00\x01\x02binary"}), "y.csv: not a CSV text file"),
])
def test_broken_archives_are_clear_errors(archive: bytes, message: str) -> None:
    with pytest.raises(ArchiveError, match=re.escape(message)) as err:
        YearColumns(2019).load(archive, "2019.tar.gz")
    assert str(err.value).startswith("2019.tar.gz: ")


def test_a_missing_archive_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="cannot open archive"):
        YearColumns(2019).load(tmp_path / "2019.tar.gz")


def test_the_synth_command_writes_archives_and_rejects_bad_input(tmp_path: Path) -> None:
    from tests.conftest import run_raytui

    done = run_raytui("gsod", "synth", "--year", "1980", "--year", "2020", "--out",
                      str(tmp_path), "--scale", "0.002", "--seed", "4")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1980.tar.gz", "2020.tar.gz"]
    assert f"{tmp_path}/2020.tar.gz: " in done.stdout and " rows (" in done.stdout
    assert "100%" in done.stderr  # progress on stderr
    same = write_archive(2020, tmp_path / "again", scale=0.002, seed=4).path
    assert same.read_bytes() == (tmp_path / "2020.tar.gz").read_bytes()
    for args, message in ((("--year", "1800"), "year must be between"),
                          (("--year", "2020", "--scale", "0"), "--scale must be greater than 0")):
        bad = run_raytui("gsod", "synth", *args, "--out", str(tmp_path / "bad"))
        assert bad.returncode == 2
        assert bad.stderr.count("\n") == 1 and message in bad.stderr


def test_progress_moves_during_a_load(small_archive: Path) -> None:
    seen: list[tuple[int, int, int, int]] = []
    columns = YearColumns(2019)

    def record(consumed: int) -> None:
        seen.append((consumed, columns.members, len(columns.station_rows), columns.rows))

    columns.load(small_archive, on_progress=record)
    size = small_archive.stat().st_size
    assert len(seen) == columns.members + 1  # after each station file, and at the end
    assert all(x <= y for a, b in zip(seen, seen[1:], strict=False)
               for x, y in zip(a, b, strict=True))  # never backwards
    # Before the end, part of the archive read, some stations and rows already counted.
    middle = [s for s in seen if 0 < s[0] < size and 0 < s[2] < len(columns.station_rows)]
    assert middle and all(0 < rows < columns.rows for *_, rows in middle)
    assert seen[-1][1:] == (columns.members, len(columns.station_rows), columns.rows)
