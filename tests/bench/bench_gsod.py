"""GSOD: the pair's load against the decompression floor, side by side in one run.

The floor is `tarfile` over a gzip decoder doing nothing but read every member of the
larger archive (in this process, before and after the load): over ISA-L (`isal`, what
the loader uses) and over zlib. The load is the real path: `compare_years` with two
GSODActors loading at once on a 2-CPU local cluster; its `load_s` runs from the load
calls to both loads done (actor start-up is printed apart). Also printed: each actor's
CPU seconds for its load beside the floor's (wall time on a shared machine swings with
other people's load, CPU time much less) and each actor's peak RSS.

Targets: load_s <= 2x the isal floor (wall), peak RSS <= 150 MB per actor.

Archives: real ones when RAYTUI_BENCH_GSOD_DATA names a directory holding 2019.tar.gz
and 2020.tar.gz (`raytui gsod fetch 2019 --out DIR`, likewise 2020); otherwise a
synthetic pair of the same shape (scale 1: ~12,300 stations and ~4 M rows a year),
generated once (~2 min a year) into $RAYTUI_BENCH_CACHE/synthetic-scale1-seed0/
(RAYTUI_BENCH_CACHE defaults to /tmp/raytui-bench-gsod; RAYTUI_BENCH_GSOD_SCALE and
RAYTUI_BENCH_GSOD_SEED change the scale and seed, each its own cached directory).
"""

from __future__ import annotations

import os
import tarfile
import time
from pathlib import Path

from tui.core.connection import ClusterAddress, RayConnection
from workloads.gsod.archive import open_gzip
from workloads.gsod.compare import CompareResult, compare_years, synthetic_dir
from workloads.gsod.synth import write_archive

YEARS = (2019, 2020)
SCALE = float(os.environ.get("RAYTUI_BENCH_GSOD_SCALE", "1"))
SEED = int(os.environ.get("RAYTUI_BENCH_GSOD_SEED", "0"))
CACHE = Path(os.environ.get("RAYTUI_BENCH_CACHE", "/tmp/raytui-bench-gsod"))
REAL = os.environ.get("RAYTUI_BENCH_GSOD_DATA")
MAX_RATIO, MAX_RSS_MB = 2.0, 150.0


def archives() -> dict[int, Path]:
    if REAL:
        paths = {year: Path(REAL) / f"{year}.tar.gz" for year in YEARS}
        print(f"archives: real, {', '.join(str(p) for p in paths.values())}")
        return paths
    directory = synthetic_dir(SCALE, SEED, CACHE)
    paths = {}
    for year in YEARS:
        path = directory / f"{year}.tar.gz"
        if not path.exists():
            print(f"archive: generating {path} (scale {SCALE:g}, seed {SEED}) ...", flush=True)
            made = write_archive(year, directory, SCALE, SEED)
            print(f"archive: {made.stations:,} stations, {made.rows:,} rows, "
                  f"generated in {made.seconds:.0f} s", flush=True)
        paths[year] = path
    print(f"archives: synthetic scale {SCALE:g} seed {SEED}, cached in {directory}")
    return paths


def floor(path: Path, decoder: str) -> tuple[float, float]:
    """Wall and CPU seconds for tarfile over `decoder` to read every member."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with open(path, "rb") as raw, open_gzip(raw, decoder) as inflated, \
            tarfile.open(fileobj=inflated, mode="r|") as tar:
        for member in tar:
            handle = tar.extractfile(member)
            if handle is not None:
                handle.read()
    return time.perf_counter() - started, time.process_time() - cpu_started


def main() -> int:
    paths = archives()
    larger = max(paths.values(), key=lambda p: p.stat().st_size)
    isal_before = floor(larger, "isal")
    zlib_floor = floor(larger, "zlib")
    with RayConnection(ClusterAddress("local"), num_cpus=2).connect():
        result: CompareResult = compare_years(*YEARS, 100.0, archives=paths,
                                              show_progress=False)
    isal_after = floor(larger, "isal")
    isal_wall = (isal_before[0] + isal_after[0]) / 2
    isal_cpu = min(isal_before[1], isal_after[1])
    ratio = result.load_s / isal_wall
    sizes = {year: p.stat().st_size / 1e6 for year, p in paths.items()}
    print(f"larger archive: {larger.name}, {sizes[int(larger.name[:4])]:.0f} MB "
          f"({', '.join(f'{y}: {s:.0f} MB' for y, s in sizes.items())})")
    print(f"{'':44}{'wall s':>9}{'CPU s':>9}")
    print(f"{'floor: tarfile over isal, before the load':44}{isal_before[0]:>9.2f}"
          f"{isal_before[1]:>9.2f}")
    print(f"{'floor: tarfile over isal, after the load':44}{isal_after[0]:>9.2f}"
          f"{isal_after[1]:>9.2f}")
    print(f"{'floor: tarfile over zlib':44}{zlib_floor[0]:>9.2f}{zlib_floor[1]:>9.2f}")
    print(f"{'load_s, the pair (two actors at once)':44}{result.load_s:>9.2f}")
    for year in map(str, YEARS):
        print(f"{f'  actor {year} load ({result.archive_via[year]})':44}{'':>9}"
              f"{result.actor_load_cpu_s[year]:>9.2f}")
    print(f"{'actors start-up (not in load_s)':44}{result.actors_start_s:>9.2f}")
    larger_year = larger.name[:4]
    cpu_ratio = result.actor_load_cpu_s[larger_year] / isal_cpu
    print(f"load_s / isal floor (wall, mean of before and after): {ratio:.2f}x "
          f"(target <= {MAX_RATIO:g}x); larger archive's actor CPU / floor CPU: "
          f"{cpu_ratio:.2f}x; zlib floor / isal floor: {zlib_floor[0] / isal_wall:.2f}x")
    rss = result.actor_peak_rss_mb
    print("peak actor RSS: " + ", ".join(f"{y}: {mb:.0f} MB" for y, mb in rss.items())
          + f" (target <= {MAX_RSS_MB:g} MB)")
    print(f"counts: rows {result.rows}, stations {result.stations}, in common "
          f"{result.stations_in_common}, TEMP >= 100 there {result.high_temp_counts}")
    return 0 if ratio <= MAX_RATIO and max(rss.values()) <= MAX_RSS_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
