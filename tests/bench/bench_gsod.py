"""GSOD loader: the tutorial's (a namedtuple of 28 strings per row) vs ours (per-station
TEMP columns), one Ray actor each, on a full-size synthetic year (scale 1, ~4 M rows).

Targets: ours loads at least 5x faster and peaks at least 10x less actor memory, with
identical counts. "Faster" is judged on the actor's CPU seconds for load_data, printed
beside wall seconds: on a shared machine other people's load swings wall time between
the two runs, CPU time much less. Also printed: the time to merely decompress the archive, the floor.
The archive is generated once into $RAYTUI_BENCH_CACHE (default /tmp/raytui-bench-gsod).
"""

from __future__ import annotations

import csv
import os
import resource
import tarfile
import time
from collections import namedtuple
from pathlib import Path
from typing import Any

import ray

from tui.core.connection import ClusterAddress, RayConnection
from workloads.gsod.actor import GSODActor
from workloads.gsod.synth import write_archive

YEAR = 2020
SCALE = float(os.environ.get("RAYTUI_BENCH_GSOD_SCALE", "1"))
CACHE = Path(os.environ.get("RAYTUI_BENCH_CACHE", "/tmp/raytui-bench-gsod"))


@ray.remote
class TutorialGSODActor:
    """The seed's GSODActor, as written in the tutorial (file path passed in)."""

    def __init__(self, year: str, high_temp: float) -> None:
        self.high_temp = float(high_temp)
        self.rows: list[Any] = []
        self.stations: set[str] | None = None
        self.year = year

    def get_row_count(self) -> int:
        return len(self.rows)

    def get_stations(self) -> set[str] | None:
        return self.stations

    def get_high_temp_count(self, stations: set[str]) -> int:
        filtered_rows = [r for r in self.rows if float(r.TEMP) >= self.high_temp
                         and r.STATION in stations]
        return len(filtered_rows)

    def load_data(self, file_name: str) -> None:
        row = namedtuple("Row", ("STATION", "DATE", "LATITUDE", "LONGITUDE", "ELEVATION", "NAME",  # type: ignore[misc]
                                 "TEMP", "TEMP_ATTRIBUTES", "DEWP", "DEWP_ATTRIBUTES", "SLP",
                                 "SLP_ATTRIBUTES", "STP", "STP_ATTRIBUTES", "VISIB",
                                 "VISIB_ATTRIBUTES", "WDSP", "WDSP_ATTRIBUTES", "MXSPD", "GUST",
                                 "MAX", "MAX_ATTRIBUTES", "MIN", "MIN_ATTRIBUTES", "PRCP",
                                 "PRCP_ATTRIBUTES", "SNDP", "FRSHTT"))
        tar = tarfile.open(file_name, "r:gz")  # noqa: SIM115 - the seed's code, verbatim
        for member in tar.getmembers():
            member_handle = tar.extractfile(member)
            byte_data = member_handle.read()  # type: ignore[union-attr]
            decoded_string = byte_data.decode()
            lines = decoded_string.splitlines()
            reader = csv.reader(lines, delimiter=",")
            _ = next(reader)
            file_rows = [row(*line) for line in reader]
            self.rows += file_rows
        self.stations = {r.STATION for r in self.rows}

    def get_memory(self) -> dict[str, float]:
        import psutil

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"rss_mb": psutil.Process().memory_info().rss / 1e6,
                "peak_rss_mb": usage.ru_maxrss / 1e3, "cpu_s": usage.ru_utime + usage.ru_stime}


def archive() -> Path:
    path = CACHE / f"scale{SCALE:g}" / f"{YEAR}.tar.gz"
    if path.exists():
        print(f"archive: {path} (cached, {path.stat().st_size / 1e6:.0f} MB)")
        return path
    print(f"archive: generating {path} at scale {SCALE:g} ...", flush=True)
    summary = write_archive(YEAR, path.parent, SCALE, 0)
    print(f"archive: {summary.stations:,} stations, {summary.rows:,} rows, "
          f"{path.stat().st_size / 1e6:.0f} MB, generated in {summary.seconds:.0f} s", flush=True)
    return path


def decompress_only(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds to inflate the archive and walk its members, nothing else."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with tarfile.open(path, "r|gz") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            if handle is not None:
                handle.read()
    return time.perf_counter() - started, time.process_time() - cpu_started


def measure(actor_class: Any, path: Path) -> dict[str, Any]:
    actor = actor_class.remote(YEAR, 100)
    try:
        before = ray.get(actor.get_memory.remote())  # the actor process is up
        started = time.perf_counter()
        ray.get(actor.load_data.remote(str(path)))
        load_s = time.perf_counter() - started
        load_cpu_s = ray.get(actor.get_memory.remote())["cpu_s"] - before["cpu_s"]
        stations = ray.get(actor.get_stations.remote())
        started = time.perf_counter()
        hot = ray.get(actor.get_high_temp_count.remote(stations))
        count_s = time.perf_counter() - started
        rows = ray.get(actor.get_row_count.remote())
        after = ray.get(actor.get_memory.remote())
    finally:
        ray.kill(actor)
    return {"load_s": load_s, "load_cpu_s": load_cpu_s, "count_s": count_s, "rows": rows, "stations": len(stations),
            "station_set": stations, "hot": hot, "start_rss_mb": before["rss_mb"],
            "peak_rss_mb": after["peak_rss_mb"]}


def main() -> int:
    path = archive()
    floor_s, floor_cpu_s = decompress_only(path)
    with RayConnection(ClusterAddress("local"), num_cpus=2).connect():
        ours = measure(GSODActor, path)
        print(f"ours: load {ours['load_s']:.1f} s, peak RSS {ours['peak_rss_mb']:.0f} MB",
              flush=True)
        tutorial = measure(TutorialGSODActor, path)
    same = all(ours[k] == tutorial[k] for k in ("rows", "station_set", "hot"))
    speedup = tutorial["load_cpu_s"] / ours["load_cpu_s"]
    wall_speedup = tutorial["load_s"] / ours["load_s"]
    memory = tutorial["peak_rss_mb"] / ours["peak_rss_mb"]
    print(f"{'':28}{'tutorial':>12}{'ours':>12}{'ratio':>9}")
    print(f"{'decompress only (floor), s':28}{floor_s:>24.1f}   (CPU {floor_cpu_s:.1f} s)")
    print(f"{'load_data, wall s':28}{tutorial['load_s']:>12.1f}{ours['load_s']:>12.1f}"
          f"{wall_speedup:>8.1f}x")
    print(f"{'load_data, actor CPU s':28}{tutorial['load_cpu_s']:>12.1f}"
          f"{ours['load_cpu_s']:>12.1f}{speedup:>8.1f}x")
    print(f"{'high temp count, s':28}{tutorial['count_s']:>12.2f}{ours['count_s']:>12.2f}")
    print(f"{'actor RSS at start, MB':28}{tutorial['start_rss_mb']:>12.0f}{ours['start_rss_mb']:>12.0f}")
    print(f"{'actor peak RSS, MB':28}{tutorial['peak_rss_mb']:>12.0f}{ours['peak_rss_mb']:>12.0f}{memory:>8.1f}x")
    print(f"{'rows':28}{tutorial['rows']:>12,}{ours['rows']:>12,}")
    print(f"{'stations':28}{tutorial['stations']:>12,}{ours['stations']:>12,}")
    print(f"{'TEMP >= 100 rows':28}{tutorial['hot']:>12,}{ours['hot']:>12,}")
    print(f"counts identical: {same}; targets: load >= 5x in CPU s ({speedup:.1f}x), "
          f"peak memory >= 10x less ({memory:.1f}x)")
    return 0 if same and speedup >= 5 and memory >= 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
