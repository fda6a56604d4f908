"""GSOD: the pair's load against the decompression floor, side by side, several rounds.

The floor is `tarfile` over ISA-L (`isal`, what the loader uses) doing nothing but read
every member of the larger archive, as the standard library streams it (mode "r|",
`extractfile` per member), in this process. The load is the real path: `compare_years`
with two GSODActors loading at once on a 2-CPU local cluster; its `load_s` runs from
the load calls to both loads done (actor start-up is printed apart).

On a shared 2-core machine one run's wall times swing with other people's work, so a
run is several rounds, each the floor, the pair's load and the floor again; a round's
ratio is its load_s over the mean of its two floors, and the figure judged is the
median round. Beside it, not judged: the same ratio over the "pair floor" (the larger
archive's floor while the other archive's floor runs in a second process: the pair's
load also keeps two processes busy, so someone else's work slows both sides alike,
where a one-process floor gets a core to itself that the pair must share); the
CPU-time ratio (the larger archive's actor's CPU seconds for its load over the floor's,
which other work moves much less); each actor's peak RSS; and the counts, which must
be the same in every round. Printed once: the floor over zlib, and the loader's
reading alone (`archive.station_members`: mode "r:", one read per member), so what
the parsing costs above the reading shows too.

Ray is started once; a small pair is loaded first, not counted (Ray's own start-up
work would land in round 1). Each round also prints how many cores the whole machine
kept busy meanwhile, so a round slowed by someone else's work shows as such.

Targets: median load_s <= 2x the isal floor (wall), peak RSS <= 150 MB per actor.

Archives: real ones when RAYTUI_BENCH_GSOD_DATA names a directory holding 2019.tar.gz
and 2020.tar.gz (`raytui gsod fetch 2019 --out DIR`, likewise 2020); otherwise a
synthetic pair of the same shape (scale 1: ~12,300 stations and ~4 M rows a year),
generated once (~20 s a year) into $RAYTUI_BENCH_CACHE/synthetic-scale1-seed0/
(RAYTUI_BENCH_CACHE defaults to /tmp/raytui-bench-gsod; RAYTUI_BENCH_GSOD_SCALE and
RAYTUI_BENCH_GSOD_SEED change the scale and seed, each its own cached directory).
RAYTUI_BENCH_GSOD_ROUNDS sets the number of rounds (default 5).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tui.core.connection import ClusterAddress, RayConnection
from workloads.gsod.archive import CountingReader, open_gzip, station_members
from workloads.gsod.compare import CompareResult, compare_years, synthetic_archives, synthetic_dir
from workloads.gsod.synth import write_archive

YEARS = (2019, 2020)
SCALE = float(os.environ.get("RAYTUI_BENCH_GSOD_SCALE", "1"))
SEED = int(os.environ.get("RAYTUI_BENCH_GSOD_SEED", "0"))
CACHE = Path(os.environ.get("RAYTUI_BENCH_CACHE", "/tmp/raytui-bench-gsod"))
REAL = os.environ.get("RAYTUI_BENCH_GSOD_DATA")
ROUNDS = int(os.environ.get("RAYTUI_BENCH_GSOD_ROUNDS", "5"))
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


def loader_reading(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds for the loader's reader alone to read every member."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with open(path, "rb") as raw:
        for _ in station_members(CountingReader(raw)):
            pass
    return time.perf_counter() - started, time.process_time() - cpu_started


def busy_jiffies() -> tuple[int, int]:
    """(busy, all) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def warm_up(cache: Path) -> None:
    """One small pair first, not counted: Ray's own start-up work (its dashboard agent
    runs for several seconds) and the first worker processes would land in round 1."""
    small = synthetic_archives(YEARS, 0.02, 0, cache, show_progress=False)
    compare_years(*YEARS, 100.0, archives=small, show_progress=False)


def pair_floor(pool: ProcessPoolExecutor, paths: dict[int, Path], larger: Path) -> float:
    """Wall seconds for the larger archive's floor while the other archive's floor runs
    in another process: the demand the pair's load puts on the machine (two processes
    reading at once), so both sides of that ratio meet the same contention."""
    futures = {path: pool.submit(floor, path, "isal") for path in paths.values()}
    return futures[larger].result()[0]


@dataclass(frozen=True)
class Round:
    floors: tuple[tuple[float, float], tuple[float, float]]  # alone (wall, CPU) before, after
    pair_floors: tuple[float, float]  # wall, both archives at once: before, after
    result: CompareResult
    larger_year: str
    machine_busy: float  # cores busy on average during the round's load (all processes)

    @property
    def floor_wall(self) -> float:
        return (self.floors[0][0] + self.floors[1][0]) / 2

    @property
    def floor_cpu(self) -> float:
        return min(self.floors[0][1], self.floors[1][1])

    @property
    def ratio(self) -> float:
        return self.result.load_s / self.floor_wall

    @property
    def pair_ratio(self) -> float:
        return self.result.load_s / (sum(self.pair_floors) / 2)

    @property
    def cpu_ratio(self) -> float:
        return self.result.actor_load_cpu_s[self.larger_year] / self.floor_cpu

    def counts(self) -> tuple[object, ...]:
        r = self.result
        return (r.rows, r.stations, r.stations_in_common, r.high_temp_counts, r.skipped_rows,
                r.missing_temp_rows, r.next_year_rows)


def one_round(pool: ProcessPoolExecutor, paths: dict[int, Path], larger: Path) -> Round:
    before, pair_before = floor(larger, "isal"), pair_floor(pool, paths, larger)
    busy_before, all_before = busy_jiffies()
    result = compare_years(*YEARS, 100.0, archives=paths, show_progress=False)
    busy_after, all_after = busy_jiffies()
    pair_after, after = pair_floor(pool, paths, larger), floor(larger, "isal")
    busy = (os.cpu_count() or 1) * (busy_after - busy_before) / max(1, all_after - all_before)
    return Round((before, after), (pair_before, pair_after), result, larger.name[:4], busy)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x (rounds {min(values):.2f}-{max(values):.2f}x)"


def main() -> int:
    paths = archives()
    larger = max(paths.values(), key=lambda p: p.stat().st_size)
    larger_year = larger.name[:4]
    sizes = {year: p.stat().st_size / 1e6 for year, p in paths.items()}
    print(f"larger archive: {larger.name} ({', '.join(f'{y}: {s:.0f} MB' for y, s in sizes.items())})")
    zlib_floor = floor(larger, "zlib")
    reading = loader_reading(larger)
    rounds: list[Round] = []
    with ProcessPoolExecutor(len(paths), mp_context=multiprocessing.get_context("spawn")) as pool, \
            RayConnection(ClusterAddress("local"), num_cpus=2).connect():
        list(pool.map(time.sleep, [0.1] * len(paths)))  # the processes started first
        warm_up(CACHE)
        for _ in range(ROUNDS):
            rounds.append(one_round(pool, paths, larger))
    print(f"{'round':>5}{'floor wall s':>14}{'pair floor s':>14}{'load_s':>9}{'ratio':>8}"
          f"{'vs pair':>9}{'floor CPU s':>13}{'actor CPU s':>13}{'CPU ratio':>11}{'busy cores':>12}"
          f"  peak RSS MB")
    for n, done in enumerate(rounds, 1):
        r = done.result
        print(f"{n:>5}{done.floor_wall:>14.2f}{sum(done.pair_floors) / 2:>14.2f}{r.load_s:>9.2f}"
              f"{done.ratio:>7.2f}x{done.pair_ratio:>8.2f}x{done.floor_cpu:>13.2f}"
              f"{r.actor_load_cpu_s[larger_year]:>13.2f}{done.cpu_ratio:>10.2f}x"
              f"{done.machine_busy:>12.2f}  "
              + ", ".join(f"{y}: {mb:.0f}" for y, mb in r.actor_peak_rss_mb.items()))
    print("floor: tarfile over isal reading the larger archive alone (mean of before and "
          "after the load); pair floor: the same while the other archive is read at once in "
          "another process; busy cores: the whole machine during the round's start-up and "
          "load (the actors, Ray, and anyone else's work)")
    ratio = statistics.median(done.ratio for done in rounds)
    floor_cpu = statistics.median(done.floor_cpu for done in rounds)
    peak_rss = max(mb for done in rounds for mb in done.result.actor_peak_rss_mb.values())
    print(f"floor over zlib: {zlib_floor[0]:.2f} s wall, {zlib_floor[1]:.2f} s CPU; the loader "
          f"reading alone (r:, no parsing): {reading[0]:.2f} s wall, {reading[1]:.2f} s CPU "
          f"({reading[1] / floor_cpu:.2f}x the isal floor's median CPU)")
    print(f"median of {len(rounds)} rounds, load_s over the isal floor: "
          f"{spread([d.ratio for d in rounds])} wall (target <= {MAX_RATIO:g}x); "
          f"over the pair floor: {spread([d.pair_ratio for d in rounds])}; CPU: "
          f"{spread([d.cpu_ratio for d in rounds])}")
    print(f"peak actor RSS: {peak_rss:.0f} MB, the largest of all rounds (target <= {MAX_RSS_MB:g} MB)")
    first = rounds[0].result
    same = all(done.counts() == rounds[0].counts() for done in rounds)
    print(f"counts: rows {first.rows}, stations {first.stations}, in common "
          f"{first.stations_in_common}, TEMP >= 100 there {first.high_temp_counts}, skipped "
          f"{first.skipped_rows}; {'the same in every round' if same else 'NOT THE SAME IN EVERY ROUND'}")
    return 0 if ratio <= MAX_RATIO and peak_rss <= MAX_RSS_MB and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
