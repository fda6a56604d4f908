"""The loader (tarfile over isal + numpy batches) gives exactly the counts the loader it
replaced gave: on NOAA's real sample files, on synthetic archives, and on an archive of
odd files that sends some files down format's parser and mixes both kinds of readings.

EXPECTED was not written by hand: it is what the replaced loader (the hand-written tar
reader `tarstream.TarGzReader` + `format.parse_member`, YearColumns as of commit c675737)
gave on these same archives, computed by running it (commit 4ab67d9 ran it beside the
new one in this test and asserted they agree on every count and every reading), then
frozen here when it was deleted. `readings` and `station_rows` are digests of every
station's readings (as floats, in order; -0.0 as 0.0) and row count. On full-size synthetic years
(scale 1, seed 0: 2019 and 2020, 4.03 M and 4.05 M rows) the two loaders also agreed on
every count, station and reading.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.unit.gsod_tar import tar_gz
from workloads.gsod.actor import YearColumns
from workloads.gsod.bulk import parse_station_files
from workloads.gsod.synth import write_archive

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"
THRESHOLDS = (100.0, 99.95, 95.0, 90.1, 32.1, 0.0, -40.0, -math.inf, math.inf, math.nan)


def real_archive(folder: str) -> bytes:
    return tar_gz({p.name: p.read_bytes() for p in sorted((REAL_DATA / folder).glob("*.csv"))})


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
    return tar_gz({
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


EXPECTED: dict[str, dict[str, Any]] = {
    "2019": {"stations": 6, "rows": 2129, "members": 6, "missing_temp": 0, "next_year_rows": 2,
             "skipped_rows": 0, "skipped": {}, "station_rows": "b0448ba99dfd7cf0",
             "readings": "e36dcc0c12e7b97a",
             "high_temp": [216, 216, 326, 431, 1959, 2129, 2129, 2129, 0, 0]},
    "2020-partial": {"stations": 6, "rows": 937, "members": 6, "missing_temp": 0,
                     "next_year_rows": 0, "skipped_rows": 0, "skipped": {},
                     "station_rows": "899f6eb5b360d8bc", "readings": "9bc73ced6299e106",
                     "high_temp": [14, 14, 35, 59, 666, 903, 937, 937, 0, 0]},
    "2024": {"stations": 6, "rows": 1871, "members": 6, "missing_temp": 0, "next_year_rows": 0,
             "skipped_rows": 0, "skipped": {}, "station_rows": "cca5e6095ef0f59a",
             "readings": "c69913c01fb7f63d",
             "high_temp": [0, 0, 0, 0, 985, 1803, 1871, 1871, 0, 0]},
    "odd": {"stations": 3, "rows": 290, "members": 9, "missing_temp": 1, "next_year_rows": 0,
            "skipped_rows": 4, "skipped": {"temp": 2, "date": 2},
            "station_rows": "271eb06bf000eb09", "readings": "b6a1afcd96ebdce9",
            "high_temp": [39, 39, 40, 40, 219, 288, 289, 289, 0, 0]},
    "synthetic 1980": {"stations": 85, "rows": 27932, "members": 85, "missing_temp": 0,
                       "next_year_rows": 8, "skipped_rows": 0, "skipped": {},
                       "station_rows": "a7779cc6aa037c1c", "readings": "8f2e27f4c366c3bc",
                       "high_temp": [41, 41, 225, 535, 24271, 27267, 27896, 27932, 0, 0]},
    "synthetic 2020": {"stations": 123, "rows": 40425, "members": 123, "missing_temp": 0,
                       "next_year_rows": 16, "skipped_rows": 0, "skipped": {},
                       "station_rows": "9f582c750a81cd8d", "readings": "2352086166efdb79",
                       "high_temp": [35, 35, 280, 789, 34242, 39240, 40375, 40425, 0, 0]},
    "synthetic common": {"stations": 45,
                         "1980": [41, 41, 221, 477, 13075, 14327, 14902, 14938, 0, 0],
                         "2020": [28, 28, 163, 417, 12833, 14296, 14620, 14646, 0, 0]},
}


def digest(columns: YearColumns) -> str:
    hasher = hashlib.sha256()
    for station in sorted(columns.readings):
        # + 0.0: NOAA's "  -0.0" was -0.0 and is 0.0 now (tenths); equal, and no count
        # can tell them apart, but repr can.
        readings = ",".join(repr(float(t) + 0.0) for t in columns.temps(station))
        hasher.update(f"{station}:{readings};".encode())
    return hasher.hexdigest()[:16]


def facts(columns: YearColumns) -> dict[str, Any]:
    """Everything the experiment reports about a loaded year, and digests of the rest."""
    rows = json.dumps(sorted(columns.station_rows.items())).encode()
    return {**{k: v for k, v in columns.summary().items() if k != "year"},
            "station_rows": hashlib.sha256(rows).hexdigest()[:16], "readings": digest(columns),
            "high_temp": [columns.high_temp_count(t) for t in THRESHOLDS]}


def load(archive: bytes, year: int) -> YearColumns:
    columns = YearColumns(year)
    columns.load(archive)
    return columns


@pytest.mark.parametrize("folder, year", [("2019", 2019), ("2020-partial", 2020), ("2024", 2024)])
def test_real_files_give_the_old_counts(folder: str, year: int) -> None:
    assert facts(load(real_archive(folder), year)) == EXPECTED[folder]


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
    assert facts(load(archive, 2019)) == EXPECTED["odd"]


def test_a_synthetic_pair_gives_the_old_counts(tmp_path: Path) -> None:
    loaded = {year: load(write_archive(year, tmp_path, scale=0.01, seed=7).path.read_bytes(),
                         year) for year in (1980, 2020)}
    for year, columns in loaded.items():
        assert facts(columns) == EXPECTED[f"synthetic {year}"]
    common = sorted(loaded[1980].stations & loaded[2020].stations)
    assert {"stations": len(common), **{str(year): [c.high_temp_count(t, common)
                                                    for t in THRESHOLDS]
                                        for year, c in loaded.items()}} == EXPECTED["synthetic common"]
