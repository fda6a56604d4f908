"""The synthetic archives' content is pinned: a faster generator must write the same tar.

The digests were taken from the original pure-Python generator (per-row f-strings,
`random` per field) before it was vectorised. They cover the tar stream, not the gzip
bytes: the compressor may change (it did, from zlib to isal), the station files may not.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from workloads.gsod.synth import write_archive

PINNED = {  # (year, scale, seed): (stations, rows, sha256 of the decompressed tar)
    (2019, 0.01, 7): (123, 40257,
                      "03419f52d11fe2e6997005309fb7c3cc716cc05da9acfb9ea1dd7a923a53dfdf"),
    (2020, 0.01, 3): (123, 40816,  # a leap year
                      "f130319b121dc3b77996913c7a11baba6dafc0c59a1afbd725da3316eb188628"),
    (1980, 0.005, 0): (42, 14105,
                       "346bb91c8bb2228294288fef642928343ecabde329a038860595535950561972"),
}


@pytest.mark.parametrize(("year", "scale", "seed"), sorted(PINNED))
def test_archive_content_is_unchanged(tmp_path: Path, year: int, scale: float,
                                      seed: int) -> None:
    summary = write_archive(year, tmp_path, scale=scale, seed=seed)
    tar_bytes = gzip.decompress(summary.path.read_bytes())
    stations, rows, digest = PINNED[(year, scale, seed)]
    assert (summary.stations, summary.rows) == (stations, rows)
    assert hashlib.sha256(tar_bytes).hexdigest() == digest


def test_vectorised_files_equal_the_row_by_row_reference() -> None:
    from workloads.gsod.synth import station_csv, station_pool, stations_in_year
    from workloads.gsod.synth_rows import station_files

    stations = stations_in_year(station_pool(0.01, 11), 1995)
    assert len(stations) > 80
    for station, data in station_files(stations, 1995, 11):
        assert data == station_csv(station, 1995, 11).encode("ascii"), station.station_id


def test_a_value_too_wide_for_its_field_falls_back_to_the_reference() -> None:
    from workloads.gsod import synth_rows
    from workloads.gsod.synth import station_csv, station_pool, stations_in_year

    stations = stations_in_year(station_pool(0.002, 5), 2001)[:5]
    with pytest.raises(synth_rows._TooWide):
        synth_rows._fixed(synth_rows.np.array([1234.5]), 5, 1)  # "1234.5" is 6 wide
    with pytest.MonkeyPatch.context() as patch:
        def too_wide(*args: object, **kwargs: object) -> None:
            raise synth_rows._TooWide
        patch.setattr(synth_rows, "_fixed", too_wide)
        files = [data for _, data in synth_rows.station_files(stations, 2001, 5)]
    assert files == [station_csv(s, 2001, 5).encode("ascii") for s in stations]
