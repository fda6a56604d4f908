"""The loader (tarfile over isal + numpy batches) gives exactly the counts the loader it
replaced gave: on NOAA's real sample files, on synthetic archives, and on an archive of
odd files that sends some files down format's parser and mixes both kinds of readings.
"""

from __future__ import annotations

import io
import math
import tarfile
from pathlib import Path
from typing import Any

import pytest

from workloads.gsod.actor import YearColumns
from workloads.gsod.bulk import parse_station_files
from workloads.gsod.old_columns import OldYearColumns
from workloads.gsod.synth import write_archive

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"
THRESHOLDS = (100.0, 99.95, 95.0, 90.1, 32.1, 0.0, -40.0, -math.inf, math.inf, math.nan)


def pack(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def real_archive(folder: str) -> bytes:
    return pack({p.name: p.read_bytes() for p in sorted((REAL_DATA / folder).glob("*.csv"))})


def odd_archive() -> bytes:
    """Real files bent so that some take format's parser: a missing TEMP, TEMP texts
    numpy's path does not take, a CRLF file, rows of two lengths, a bad date, a file of
    two stations, a header-only file, and one station in two files of both kinds."""
    jahra = (REAL_DATA / "2019" / "40586099999.csv").read_text().splitlines(keepends=True)
    kuwait = (REAL_DATA / "2019" / "40582099999.csv").read_text().splitlines(keepends=True)
    mayen = (REAL_DATA / "2019" / "01001099999.csv").read_text().splitlines(keepends=True)
    header = jahra[0]

    def temp(line: str, text: str) -> str:
        fields = line.split('","')
        fields[6] = text  # "STATION","DATE",LAT,LON,ELEV,"NAME" -> TEMP is the 7th
        return '","'.join(fields)

    missing = [header, *jahra[1:30], temp(jahra[30], "9999.9"), *jahra[31:60]]
    odd_temps = [header, *kuwait[1:10], temp(kuwait[10], "  +3.2"), temp(kuwait[11], " 3.2.1"),
                 temp(kuwait[12], "   -.5"), temp(kuwait[13], "0032.1"), *kuwait[14:40]]
    moved = [header, *mayen[1:20],
             *(line.replace('"JAN MAYEN NOR NAVY, NO"', '"JAN MAYEN, NO"') for line in mayen[20:40])]
    return pack({
        "40586099999.csv": "".join(missing).encode(),
        "40582099999.csv": "".join(odd_temps).encode(),
        "crlf.csv": "".join(line.replace("\n", "\r\n") for line in mayen[:50]).encode(),
        "01001099999.csv": "".join(moved).encode(),
        "bad-date.csv": "".join([header, *jahra[100:110],
                                 jahra[110].replace("2019-04-", "2019-13-"),
                                 jahra[111].replace("2019-04-", "2021-04-")]).encode(),
        "two-stations.csv": "".join([header, *jahra[200:210], *kuwait[200:210]]).encode(),
        "header-only.csv": header.encode(),
        "jahra-again.csv": "".join([header, *jahra[300:366]]).encode(),  # numpy's path
        "hot-again.csv": "".join([header, *kuwait[180:200]]).encode(),  # after the odd one
    })


def counts(columns: Any, stations: set[str] | None = None) -> dict[str, Any]:
    """Everything the experiment reports about a loaded year."""
    chosen = sorted(stations) if stations is not None else None
    return {
        **columns.summary(),
        "station_rows": dict(sorted(columns.station_rows.items())),
        "high_temp": [columns.high_temp_count(t, chosen) for t in THRESHOLDS],
    }


def load_new(archive: bytes, year: int) -> YearColumns:
    columns = YearColumns(year)
    columns.load(archive)
    return columns


def load_old(archive: bytes, year: int) -> OldYearColumns:
    columns = OldYearColumns(year)
    columns.load(archive)
    return columns


def assert_same(archive: bytes, year: int) -> dict[str, Any]:
    new, old = load_new(archive, year), load_old(archive, year)
    assert counts(new) == counts(old)
    for station, temps in old.temps.items():  # every reading, in order, as the same float
        assert list(new.temps(station)) == list(temps), station
    assert set(new.readings) == set(old.temps)
    return counts(new)


@pytest.mark.parametrize("folder, year", [("2019", 2019), ("2020-partial", 2020), ("2024", 2024)])
def test_real_files_give_the_old_counts(folder: str, year: int) -> None:
    result = assert_same(real_archive(folder), year)
    print(folder, {k: v for k, v in result.items() if k != "station_rows"})


def test_odd_files_give_the_old_counts() -> None:
    archive = odd_archive()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    taken = parse_station_files(list(files.values()), 2019)
    declined = {name for name, parsed in zip(files, taken, strict=True) if parsed is None}
    # Both paths are used: numpy's takes the missing TEMP; format's the rest of the odd.
    assert declined == {"40582099999.csv", "crlf.csv", "01001099999.csv", "bad-date.csv",
                        "two-stations.csv", "header-only.csv"}
    assert taken[0] is not None and taken[0].missing_temp == 1
    result = assert_same(archive, 2019)
    print("odd", {k: v for k, v in result.items() if k != "station_rows"})


def test_a_synthetic_pair_gives_the_old_counts(tmp_path: Path) -> None:
    loaded = {}
    for year in (1980, 2020):
        archive = write_archive(year, tmp_path, scale=0.01, seed=7).path.read_bytes()
        result = assert_same(archive, year)
        print(year, {k: v for k, v in result.items() if k != "station_rows"})
        loaded[year] = (load_new(archive, year), load_old(archive, year))
    common = loaded[1980][0].stations & loaded[2020][0].stations
    assert common == loaded[1980][1].stations & loaded[2020][1].stations
    for year, (new, old) in loaded.items():
        assert counts(new, common) == counts(old, common)
        print(year, "common", len(common), counts(new, common)["high_temp"])
