"""`compare_years`: the tutorial's actor experiment, and where its archives come from.

Archives: `DATA_DIR/YEAR.tar.gz` when a data directory is given (real NOAA archives, or
ones `raytui gsod synth`/`fetch` wrote there); otherwise synthetic archives generated
once per (scale, seed) into the cache, `$XDG_CACHE_HOME/raytui/gsod` or
`~/.cache/raytui/gsod`.

An actor may run on a node that does not have the file (never assume a shared disk):
each actor is asked first whether it sees the driver's very file on the driver's node
(`GSODActor.has_file`); if so it reads the file itself, else the driver puts the
archive's bytes in Ray's object store for it. `load_s` runs from the load calls to both
loads done; starting the actor processes is `actors_start_s`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import ray

from workloads.gsod.actor import ArchiveError, GSODActor
from workloads.gsod.progress import Progress

DEFAULT_YEARS = (1980, 2020)
DEFAULT_HIGH_TEMP = 100.0
DEFAULT_SCALE = 0.02  # ~250 stations, ~80,000 rows a year: seconds to make and load
DEFAULT_SEED = 0


class ArchiveMissing(ArchiveError):
    """No archive where one was asked for."""


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "raytui" / "gsod"


def synthetic_dir(scale: float, seed: int, root: Path | None = None) -> Path:
    return (root or cache_dir()) / f"synthetic-scale{scale:g}-seed{seed}"


def archive_path(data_dir: Path, year: int) -> Path:
    return Path(data_dir) / f"{year}.tar.gz"


def missing_archive_message(path: Path, year: int) -> str:
    out = path.parent
    return (f"no GSOD archive at {path}: make a synthetic one with `raytui gsod synth "
            f"--year {year} --out {out}` or download NOAA's with `raytui gsod fetch {year} "
            f"--out {out}`")


def find_archives(years: tuple[int, int], data_dir: Path) -> dict[int, Path]:
    paths = {year: archive_path(data_dir, year) for year in years}
    for year, path in paths.items():
        if not path.is_file():
            raise ArchiveMissing(missing_archive_message(path, year))
    return paths


def synthetic_archives(years: tuple[int, int], scale: float, seed: int,
                       root: Path | None = None, show_progress: bool = True) -> dict[int, Path]:
    """Synthetic archives for `years`, generated on first use and reused after."""
    from workloads.gsod.synth import write_archive

    directory = synthetic_dir(scale, seed, root)
    paths = {}
    for year in years:
        path = archive_path(directory, year)
        if not path.is_file():
            bar = Progress(f"synthesising {year}.tar.gz", 1, "stations") if show_progress else None

            def report(done: int, total: int, rows: int, bar: Progress | None = bar) -> None:
                if bar:
                    bar.total = total
                    bar.update(done, f"{rows:,} rows")

            write_archive(year, directory, scale, seed, report)
            if bar:
                bar.finish()
        paths[year] = path
    return paths


@dataclass(frozen=True)
class CompareResult:
    years: tuple[int, int]
    high_temp: float
    stations_in_common: int
    high_temp_counts: dict[str, int]  # by year (JSON keys are strings)
    rows: dict[str, int]
    stations: dict[str, int]
    skipped_rows: dict[str, int]
    missing_temp_rows: dict[str, int]
    next_year_rows: dict[str, int]
    archives: dict[str, str]
    actor_nodes: dict[str, str]  # the Ray node each year's actor ran on
    load_s: float
    total_s: float
    actors_start_s: float = 0.0
    archive_via: dict[str, str] = field(default_factory=dict)  # "file" or "object store"
    actor_load_cpu_s: dict[str, float] = field(default_factory=dict)  # the loading thread's
    actor_peak_rss_mb: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["years"] = list(self.years)
        return data


def tutorial_lines(result: CompareResult) -> list[str]:
    first, second = (str(year) for year in result.years)
    return [
        f"Number of stations in common: {result.stations_in_common}",
        f"{first} - High temp count for common stations: {result.high_temp_counts[first]}",
        f"{second} - High temp count for common stations: {result.high_temp_counts[second]}",
    ]


def _unwrap(err: ray.exceptions.RayTaskError) -> BaseException:
    cause = getattr(err, "cause", None)
    return cause if isinstance(cause, ArchiveError) else err


def compare_years(year1: int, year2: int, high_temp: float = DEFAULT_HIGH_TEMP,
                  data_dir: Path | str | None = None, *, archives: dict[int, Path] | None = None,
                  show_progress: bool = True,
                  on_progress: ProgressCallback | None = None) -> CompareResult:
    """Load both years in two actors at once, intersect stations, count hot readings.

    `on_progress(year, actor_id, state)` gets each actor's `get_progress()` answer at
    each poll during the load (about every 0.5 s) and once more after both are done.

    Needs an initialised Ray (this process is the driver). Archives come from `archives`,
    else from `data_dir` (which must hold YEAR.tar.gz for both years).
    """
    started = time.perf_counter()
    years = (int(year1), int(year2))
    if archives is None:
        if data_dir is None:
            raise ValueError("compare_years needs data_dir or archives")
        archives = find_archives(years, Path(data_dir))
    stats = {year: os.stat(archives[year]) for year in years}
    sizes = {year: stat.st_size for year, stat in stats.items()}
    actors = {year: GSODActor.remote(year, high_temp) for year in years}  # type: ignore[attr-defined]
    try:
        here = ray.get_runtime_context().get_node_id()
        has_file = [actors[y].has_file.remote(str(archives[y]), sizes[y], stats[y].st_mtime_ns,
                                              here) for y in years]
        local = dict(zip(years, _wait_for_actors(has_file), strict=True))
        actors_start_s = time.perf_counter() - started
        # Bytes through the object store for an actor on another node, as a numpy array
        # so the actor reads them in place (a bytes object would be copied into its heap).
        sources = {year: str(archives[year]) if local[year] else
                   ray.put(np.frombuffer(Path(archives[year]).read_bytes(), dtype=np.uint8))
                   for year in years}
        load_started = time.perf_counter()
        loads = {year: actors[year].load_data.remote(sources[year], sizes[year])
                 for year in years}
        try:
            # The first load to fail ends the run; the other actor is killed below.
            _wait_with_progress(actors, list(loads.values()), sum(sizes.values()), show_progress,
                                on_progress)
            summaries = dict(zip(years, ray.get([loads[y] for y in years]), strict=True))
        except ray.exceptions.RayTaskError as err:
            raise _unwrap(err) from None
        load_s = time.perf_counter() - load_started
        station_sets = ray.get([actors[y].get_stations.remote() for y in years])
        intersection = set.intersection(*station_sets)
        counts = ray.get([actors[y].get_high_temp_count.remote(intersection) for y in years])
    finally:
        for actor in actors.values():
            ray.kill(actor)
    by_year = {str(y): s for y, s in summaries.items()}
    return CompareResult(
        years=years, high_temp=float(high_temp), stations_in_common=len(intersection),
        high_temp_counts={str(y): int(c) for y, c in zip(years, counts, strict=True)},
        rows={y: s["rows"] for y, s in by_year.items()},
        stations={y: s["stations"] for y, s in by_year.items()},
        skipped_rows={y: s["skipped_rows"] for y, s in by_year.items()},
        missing_temp_rows={y: s["missing_temp"] for y, s in by_year.items()},
        next_year_rows={y: s["next_year_rows"] for y, s in by_year.items()},
        archives={str(y): str(archives[y]) for y in years},
        actor_nodes={y: s["node_id"] for y, s in by_year.items()},
        load_s=load_s, total_s=time.perf_counter() - started, actors_start_s=actors_start_s,
        archive_via={str(y): "file" if local[y] else "object store" for y in years},
        actor_load_cpu_s={y: s["load_cpu_s"] for y, s in by_year.items()},
        actor_peak_rss_mb={y: s["peak_rss_mb"] for y, s in by_year.items()},
    )


ACTOR_START_TIMEOUT_S = 180.0
ProgressCallback = Callable[[int, str, dict[str, Any]], None]


class ActorsDidNotStart(RuntimeError):
    """The actors never answered: no free resources, or their runtime env failed."""


def _did_not_start(start_timeout_s: float) -> ActorsDidNotStart:
    return ActorsDidNotStart(
        f"the GSOD actors did not start within {start_timeout_s:.0f} s (no free CPU for "
        "them, or their worker setup failed: see `ray status` and the Ray logs)")


def _wait_for_actors(first_calls: list[Any],
                     start_timeout_s: float = ACTOR_START_TIMEOUT_S) -> list[Any]:
    """The answers to each actor's first call, once every actor has started."""
    try:
        return ray.get(first_calls, timeout=start_timeout_s)
    except ray.exceptions.GetTimeoutError:
        raise _did_not_start(start_timeout_s) from None
    except (ray.exceptions.RayActorError, ray.exceptions.RuntimeEnvSetupError) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ActorsDidNotStart(f"the GSOD actors could not start: {reason}") from None


def _wait_with_progress(actors: dict[int, Any], loads: list[Any], total_bytes: int,
                        show_progress: bool, on_progress: ProgressCallback | None = None,
                        start_timeout_s: float = ACTOR_START_TIMEOUT_S) -> None:
    """Wait for the loads, reporting the actors' progress on stderr.

    Ray waits forever for an actor that cannot be placed or whose worker cannot be set
    up; we give up after `start_timeout_s` without a word from both actors.
    """
    bar = Progress("loading", total_bytes, "B") if show_progress else None
    pending = list(loads)
    deadline = time.monotonic() + start_timeout_s
    answered = False
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
        if ready:
            ray.get(ready)  # raises now if that load failed
        if pending:
            try:
                states = ray.get([a.get_progress.remote() for a in actors.values()], timeout=5)
                answered = True
            except (ray.exceptions.GetTimeoutError, ray.exceptions.RayError):
                if not answered and time.monotonic() > deadline:
                    raise _did_not_start(start_timeout_s) from None
                continue
            _tell(actors, states, on_progress)
            if not bar:
                continue
            done = sum(s["bytes_read"] for s in states)
            detail = ", ".join(f"{s['year']}: {s['stations']:,} stations {s['rows']:,} rows"
                               for s in states)
            bar.update(done, detail)
    if on_progress:  # the final counts, done: true
        _tell(actors, ray.get([a.get_progress.remote() for a in actors.values()]), on_progress)
    if bar:
        bar.finish()
    sys.stderr.flush()


def _tell(actors: dict[int, Any], states: list[dict[str, Any]],
          on_progress: ProgressCallback | None) -> None:
    if on_progress is None:
        return
    for (year, actor), state in zip(actors.items(), states, strict=True):
        on_progress(year, actor._actor_id.hex(), state)  # the id the state API shows
