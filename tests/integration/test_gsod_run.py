"""`raytui run gsod` / `compare_years` on a real Ray cluster, checked against a csv reference."""

from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path
from typing import TypedDict

import pytest

from tests.conftest import run_raytui
from tui.core.connection import RayConnection
from workloads.gsod.actor import ArchiveError
from workloads.gsod.compare import compare_years
from workloads.gsod.synth import write_archive

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = REPO.parent / "shared" / "data" / "gsod"

pytestmark = pytest.mark.ray


class Reference(TypedDict):
    stations_in_common: int
    high_temp_counts: dict[str, int]  # by year, as CompareResult keys them
    rows: dict[str, int]
    stations: dict[str, int]


def reference(archives: dict[int, Path], high_temp: float = 100.0) -> Reference:
    """The tutorial's logic with the csv module: stations in common, hot rows there."""
    rows: dict[int, list[list[str]]] = {}
    for year, path in archives.items():
        rows[year] = []
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                reader = csv.reader(tar.extractfile(member).read().decode().splitlines())  # type: ignore[union-attr]
                next(reader)
                rows[year] += list(reader)
    stations = {year: {r[0] for r in rs} for year, rs in rows.items()}
    common = set.intersection(*stations.values())
    return {
        "stations_in_common": len(common),
        "high_temp_counts": {str(y): sum(1 for r in rs if r[0] in common
                                         and float(r[6]) >= high_temp)
                             for y, rs in rows.items()},
        "rows": {str(y): len(rs) for y, rs in rows.items()},
        "stations": {str(y): len(s) for y, s in stations.items()},
    }


def real_archives(directory: Path) -> dict[int, Path]:
    """NOAA's real sample files packed as the yearly archives are."""
    archives = {}
    for year, folder in ((2019, "2019"), (2020, "2020-partial")):
        path = directory / f"{year}.tar.gz"
        with tarfile.open(path, "w:gz") as tar:
            for csv_file in sorted((REAL_DATA / folder).glob("*.csv")):
                tar.add(csv_file, arcname=csv_file.name)
        archives[year] = path
    return archives


@pytest.fixture(scope="module")
def synthetic_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    directory = tmp_path_factory.mktemp("gsod")
    return {year: write_archive(year, directory, scale=0.008, seed=5).path
            for year in (1980, 2020)}


def test_compare_years_on_real_archives_equals_the_reference(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    archives = real_archives(tmp_path)
    expected = reference(archives)
    assert expected["stations_in_common"] == 4
    result = compare_years(2019, 2020, 100, tmp_path, show_progress=False)
    assert result.stations_in_common == expected["stations_in_common"]
    assert result.high_temp_counts == expected["high_temp_counts"]
    assert result.rows == expected["rows"] and result.stations == expected["stations"]
    assert result.next_year_rows == {"2019": 2, "2020": 0}
    assert result.skipped_rows == {"2019": 0, "2020": 0}
    assert result.high_temp_counts["2019"] > 0
    # The actors run on the driver's node and see its files: they read them there.
    assert result.archive_via == {"2019": "file", "2020": "file"}


def test_run_gsod_json_on_a_synthetic_pair(ray_cluster: RayConnection,
                                           synthetic_pair: dict[int, Path]) -> None:
    expected = reference(synthetic_pair)
    data_dir = synthetic_pair[1980].parent
    result = run_raytui("run", "gsod", "--years", "1980", "2020", "--data-dir", str(data_dir),
                        "--json", "--address", ray_cluster.gcs_address or "")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    for key, value in expected.items():
        assert data[key] == value, key
    assert data["years"] == [1980, 2020] and data["high_temp"] == 100.0
    assert data["skipped_rows"] == {"1980": 0, "2020": 0}
    assert 0 < data["load_s"] <= data["total_s"]
    assert sum(data["high_temp_counts"].values()) > 0
    assert "loading" in result.stderr  # progress on stderr, results alone on stdout


def test_run_gsod_as_a_job_through_the_dashboard(ray_cluster: RayConnection,
                                                 synthetic_pair: dict[int, Path]) -> None:
    expected = reference(synthetic_pair, high_temp=95)
    data_dir = synthetic_pair[1980].parent
    result = run_raytui("run", "gsod", "--data-dir", str(data_dir), "--high-temp", "95",
                        "--address", ray_cluster.dashboard_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Number of stations in common: {expected['stations_in_common']}",
        f"1980 - High temp count for common stations: {expected['high_temp_counts']['1980']}",
        f"2020 - High temp count for common stations: {expected['high_temp_counts']['2020']}",
    ]


def test_default_run_makes_synthetic_archives_once(ray_cluster: RayConnection,
                                                   tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    args = ("run", "gsod", "--scale", "0.004", "--address", ray_cluster.gcs_address or "")
    first = run_raytui(*args, env=env)
    assert first.returncode == 0, first.stderr
    made = sorted((tmp_path / "raytui" / "gsod").glob("*/*.tar.gz"))
    assert [p.name for p in made] == ["1980.tar.gz", "2020.tar.gz"]
    stamps = [p.stat().st_mtime_ns for p in made]
    assert first.stdout.splitlines()[0].startswith("Number of stations in common: ")
    second = run_raytui(*args, env=env)
    assert second.returncode == 0, second.stderr
    assert [p.stat().st_mtime_ns for p in made] == stamps  # reused, not regenerated
    assert second.stdout == first.stdout
    assert "synthesising" not in second.stderr


def test_missing_archive_fails_fast_with_both_remedies(tmp_path: Path) -> None:
    result = run_raytui("run", "gsod", "--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"no GSOD archive at {tmp_path}/1980.tar.gz" in result.stderr
    assert "raytui gsod synth --year 1980" in result.stderr
    assert "raytui gsod fetch 1980" in result.stderr


@pytest.mark.parametrize("via", ["driver", "job"])
def test_corrupt_archive_ends_with_exit_2_naming_it(
        ray_cluster: RayConnection, synthetic_pair: dict[int, Path], tmp_path: Path,
        via: str) -> None:
    good = synthetic_pair[1980].read_bytes()
    (tmp_path / "1980.tar.gz").write_bytes(good)
    (tmp_path / "2020.tar.gz").write_bytes(synthetic_pair[2020].read_bytes()[:20_000])
    address = ray_cluster.gcs_address if via == "driver" else ray_cluster.dashboard_url
    result = run_raytui("run", "gsod", "--data-dir", str(tmp_path), "--address", address or "",
                        timeout=120)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("raytui run gsod: 2020.tar.gz: corrupt or truncated archive")
    assert "Traceback" not in result.stderr


def test_compare_years_raises_archive_errors_from_the_actor(
        ray_cluster: RayConnection, tmp_path: Path, synthetic_pair: dict[int, Path]) -> None:
    (tmp_path / "1980.tar.gz").write_bytes(synthetic_pair[1980].read_bytes())
    (tmp_path / "2020.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(ArchiveError, match="2020.tar.gz: corrupt or truncated"):
        compare_years(1980, 2020, 100, tmp_path, show_progress=False)


def test_actors_that_cannot_start_end_the_wait_instead_of_hanging(
        ray_cluster: RayConnection) -> None:
    import time

    from workloads.gsod.actor import GSODActor
    from workloads.gsod.compare import ActorsDidNotStart, _wait_with_progress

    # A resource no node has: Ray would keep this actor pending forever.
    actor = GSODActor.options(resources={"no_such_node": 1}).remote(2020, 100)  # type: ignore[attr-defined]
    try:
        load = actor.load_data.remote(b"", 0)
        started = time.monotonic()
        with pytest.raises(ActorsDidNotStart, match="did not start within 3 s"):
            _wait_with_progress({2020: actor}, [load], 1, show_progress=False,
                                start_timeout_s=3)
        assert time.monotonic() - started < 30
    finally:
        import ray

        ray.kill(actor)


def test_progress_reports_stations_rows_and_bytes_during_the_load(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    import time

    import ray

    from workloads.gsod.actor import GSODActor

    archive = write_archive(2020, tmp_path, scale=0.1, seed=3).path  # ~1,200 stations
    size = archive.stat().st_size
    actor = GSODActor.remote(2020, 100)  # type: ignore[attr-defined]
    try:
        ray.get(actor.get_progress.remote())  # started
        load = actor.load_data.remote(str(archive), size)
        states = []
        while not ray.wait([load], timeout=0)[0]:
            states.append(ray.get(actor.get_progress.remote()))
            time.sleep(0.005)
        summary = ray.get(load)
        final = ray.get(actor.get_progress.remote())
    finally:
        ray.kill(actor)
    during = [s for s in states if not s["done"] and 0 < s["bytes_read"] < size
              and s["stations"] > 0 and s["rows"] > 0]
    assert during, states[-3:]
    distinct = {(s["bytes_read"], s["stations"], s["rows"]) for s in during}
    assert len(distinct) >= 2  # it moved while we watched
    for key in ("bytes_read", "members", "stations", "rows"):
        values = [s[key] for s in states]
        assert values == sorted(values), key
    assert all(s["rows"] < summary["rows"] for s in during)
    assert final == {**final, "done": True, "bytes_read": size, "bytes_total": size,
                     "stations": summary["stations"], "rows": summary["rows"],
                     "members": summary["members"], "error": None}
    assert summary["peak_rss_mb"] > 0 and summary["load_cpu_s"] > 0


def test_driver_prints_each_actors_growing_progress_before_the_result(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from ray.util.state import list_actors

    from tui.launch.job_run import last_json_object
    from workloads.gsod.progress_lines import parse_progress_line

    for year in (1980, 2020):  # ~1-2 s of load each: several 0.5 s polls (0.3 was 1-2)
        write_archive(year, tmp_path, scale=0.6, seed=3)
    env = {**os.environ, "RAY_ADDRESS": ray_cluster.gcs_address or ""}
    run = subprocess.run([sys.executable, "-m", "workloads.gsod", "--data-dir", str(tmp_path),
                          "--json", "--progress-json"], capture_output=True, text=True,
                         timeout=180, env=env, cwd=REPO)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    result = last_json_object(run.stdout)
    assert result is not None and json.loads(lines[-1]) == result  # the result stays last
    assert parse_progress_line(lines[-1]) is None
    progress = [p for p in map(parse_progress_line, lines[:-1]) if p is not None]
    assert len(progress) == len(lines) - 1  # nothing else on stdout
    by_actor: dict[str, list] = {}
    for p in progress:
        by_actor.setdefault(p.actor_id, []).append(p)
    assert len(by_actor) == 2
    assert sorted(seen[0].year for seen in by_actor.values()) == [1980, 2020]
    for seen in by_actor.values():
        sizes = [p.bytes for p in seen]
        assert sizes == sorted(sizes) and len(set(sizes)) >= 2, sizes  # it grew
        assert any(not p.done and 0 < p.bytes < p.total_bytes for p in seen), seen
        final = seen[-1]
        year_key = str(final.year)
        assert final.done and final.fraction == 1.0 and final.bytes == final.total_bytes
        assert (final.rows, final.stations) == (result["rows"][year_key],
                                                result["stations"][year_key])
    # The ids are the ones Ray's state API shows for the two actors.
    ids = {a.actor_id for a in list_actors(filters=[("class_name", "=", "GSODActor")],
                                          limit=1000)}
    assert set(by_actor) <= ids
