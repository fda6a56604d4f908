"""Synthetic GSOD yearly archives in NOAA's exact format, deterministic for a seed.

One station pool per seed, so a station keeps its id, place and climate across years:
- long-lived stations report from before 1980 to today (about half of 1980's stations),
- retired ones stop reporting between 1981 and 2018,
- new ones start between 1981 and 2018.
At scale 1 a recent year has about 12,300 stations and 4.1 M rows and 1980 about 8,500
stations, as in NOAA's archives (see data/gsod/CALIBRATION.txt).

TEMP follows latitude, elevation and season; a small set of hot-desert stations (Gulf,
South Asia, Sahara, US south-west) reach TEMP >= 100 F on a few summer days, which makes
those rows about 0.2 % of all, concentrated at a few hundred stations, as in 2019.
Every other column gets plausible values and NOAA's missing-value sentinels at the
observed rates, with the STP quirk ("015.4" for 1015.4 mb). About one station in six
ends its year with a row dated January 1 of the next year, as NOAA's files do.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import math
import os
import random
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workloads.gsod.format import HEADER_LINE

LONG_LIVED, RETIRED, NEW = 4_500, 4_000, 7_800  # stations per kind at scale 1
UNKNOWN_LOCATION_SHARE = 0.003  # ids 999999xxxxx with empty location (39 of 12,362 in 2019)
HOT_SHARE = 0.04
NEXT_YEAR_ROW_SHARE = 0.17
FIRST_YEAR, LAST_YEAR = 1929, 2100
COMPRESS_LEVEL = 3  # isal's best: ~1.3x zlib -6's size at ~8x its speed (zlib took 26 s at scale 1)

HOT_ZONES: tuple[tuple[tuple[float, float], tuple[float, float], tuple[str, ...]], ...] = (  # (lat range, lon range, country codes) of the hottest GSOD stations
    ((24.0, 34.0), (38.0, 56.0), ("IZ", "KU", "SA", "IR")),
    ((20.0, 30.0), (68.0, 80.0), ("IN", "PK")),
    ((22.0, 32.0), (-6.0, 12.0), ("AG", "LY")),
    ((32.0, 36.0), (-117.0, -111.0), ("US",)),
)
COUNTRIES: tuple[str, ...] = ("US", "CA", "RS", "CH", "NO", "FI", "GM", "FR", "UK", "SP", "IT", "AS", "BR",
             "AR", "MX", "JA", "IN", "ID", "SF", "EG", "TU", "KZ", "MG", "NZ", "CI")
SYLLABLES = ("KAR", "MIN", "TOR", "VAL", "BEL", "SAN", "NOR", "OST", "LAK", "RIV", "MOR",
             "HAL", "DEN", "FOR", "AL", "BA", "KU", "RA", "TA", "LI", "NA", "GO", "PE")
SUFFIXES = ("", " AIRPORT", " INTL", " AB", " AWOS", " MUNI", " HARBOUR", " RADIO")
PRCP_FLAGS = ("G", "I", "F", "E", "A", "B", "H", "C", "D")
PRCP_WEIGHTS = (1691, 1505, 433, 103, 44, 21, 21, 13, 9)
FRSHTT_VALUES = ("000000", "010000", "001000", "010010", "100000", "110000", "000010")
FRSHTT_WEIGHTS = (2805, 688, 189, 134, 111, 60, 40)


@dataclass(frozen=True)
class Station:
    station_id: str
    first_year: int
    last_year: int
    latitude: float | None  # None: unknown location (id 999999xxxxx)
    longitude: float | None
    elevation: float | None
    name: str | None
    mean_f: float       # annual mean TEMP
    amplitude_f: float  # half the summer-winter swing
    noise_f: float      # day-to-day spread
    peak_day: int       # day of year of the warmest mean


def station_pool(scale: float, seed: int) -> list[Station]:
    """Every station any year can hold, sorted by id; the same for a seed and scale."""
    rng = random.Random(f"gsod-pool:{seed}")
    kinds = ([("long", 1929, 1980, LAST_YEAR)] * round(LONG_LIVED * scale)
             + [("retired", 1929, 1980, -1)] * round(RETIRED * scale)
             + [("new", 1981, 2018, LAST_YEAR)] * round(NEW * scale))
    ids = rng.sample(range(10_000, 998_000), len(kinds))
    pool = []
    for usaf, (kind, born_from, born_to, last) in zip(ids, kinds, strict=True):
        first = rng.randint(born_from, born_to)
        if kind == "retired":
            last = rng.randint(1981, 2018)
        unknown = kind == "new" and rng.random() < UNKNOWN_LOCATION_SHARE * 12_300 / NEW
        wban = rng.randint(100, 99_998) if unknown or rng.random() < 0.15 else 99_999
        station_id = f"{999_999 if unknown else usaf:06d}{wban:05d}"
        pool.append(_place(rng, station_id, first, last, unknown))
    return sorted(pool, key=lambda s: s.station_id)


def _place(rng: random.Random, station_id: str, first: int, last: int, unknown: bool) -> Station:
    hot = not unknown and rng.random() < HOT_SHARE
    if hot:
        (lat_lo, lat_hi), (lon_lo, lon_hi), countries = rng.choice(HOT_ZONES)
        lat, lon = rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi)
        elevation = rng.uniform(2, 400)
        peak = rng.gauss(97.0, 3.0)
        amplitude = rng.uniform(16, 22)
        mean, noise = peak - amplitude, rng.uniform(1.8, 3.0)
    else:
        lat = max(-80.0, min(82.0, rng.gauss(38, 22)))
        lon = rng.uniform(-180, 180)
        countries = COUNTRIES
        elevation = abs(rng.gauss(0, 500))
        mean = 80 - 0.011 * lat * lat - 0.011 * elevation + rng.gauss(0, 3)
        amplitude = 2 + 0.42 * abs(lat) + rng.uniform(-2, 2)
        noise = rng.uniform(3, 6)
    name = None if unknown else _name(rng, rng.choice(countries))
    peak_day = 200 if lat >= 0 else 17
    if unknown:
        return Station(station_id, first, last, None, None, None, None, mean, amplitude,
                       noise, peak_day)
    return Station(station_id, first, last, round(lat, 7), round(lon, 7),
                   round(elevation, 1), name, mean, amplitude, noise, peak_day)


def _name(rng: random.Random, country: str) -> str:
    base = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    if country == "US":
        return f"{base}{rng.choice(SUFFIXES)}, {rng.choice(('AZ', 'CA', 'TX', 'NV'))} US"
    return f"{base}{rng.choice(SUFFIXES)}, {country}"


def stations_in_year(pool: list[Station], year: int) -> list[Station]:
    return [s for s in pool if s.first_year <= year <= s.last_year]


# A fixed table of standard normal draws, indexed by random bits: random.gauss is
# Python code and would make generation several times slower. Same table every run.
_NORMAL_RNG = random.Random("gsod-normal-table")
_NORMAL = [_NORMAL_RNG.gauss(0.0, 1.0) for _ in range(1 << 16)]


def _cumulative(weights: tuple[int, ...]) -> list[float]:
    total, running, out = sum(weights), 0, []
    for weight in weights:
        running += weight
        out.append(running / total)
    out[-1] = 1.0
    return out


_PRCP_CUMULATIVE = _cumulative(PRCP_WEIGHTS)
_FRSHTT_CUMULATIVE = _cumulative(FRSHTT_WEIGHTS)


@dataclass(frozen=True)
class StationYear:
    """What a station's file is drawn from before its rows: the row generator's state
    and the station-level traits. Shared by the reference `station_csv` and the
    vectorised `synth_rows.station_csv_bytes`, so both start from the same draws."""

    rng: random.Random  # positioned at the first row's first draw
    day_numbers: list[int]  # days since January 1 that have a row
    place: str
    prefix: str
    obs: int
    slp_missing: float
    stp_missing: float
    visib_missing: float
    gust_missing: float
    sndp_missing: float
    pressure_factor: float


def station_year(station: Station, year: int, seed: int) -> StationYear:
    rng = random.Random(f"gsod-rows:{seed}:{year}:{station.station_id}")
    rand = rng.random
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    coverage = 1.0 if rand() < 0.75 else rng.uniform(0.3, 0.95)
    start = 0 if coverage == 1.0 else rng.randint(0, int(days * (1 - coverage)))
    day_numbers = [d for d in range(start, start + int(days * coverage)) if rand() > 0.01]
    if rand() < NEXT_YEAR_ROW_SHARE and (not day_numbers or day_numbers[-1] == days - 1):
        day_numbers.append(days)  # NOAA's stray row dated January 1 of the next year
    if station.latitude is None:
        place = ",,,"  # four empty, unquoted fields
    else:
        place = (f'"{station.latitude}","{station.longitude}","{station.elevation}",'
                 f'"{station.name}"')
    # Station-level traits: how many observations a day, which sensors it lacks.
    obs = rng.choice((24, 24, 24, 8, 12, 4))
    slp_missing = 0.0 if rand() > 0.3 else 1.0
    stp_missing = 0.02 if rand() > 0.3 else 1.0
    visib_missing = 0.0 if rand() > 0.28 else 1.0
    gust_missing = 0.0 if rand() < 0.26 else 1.0  # GUST missing in 74 % of rows
    sndp_missing = 0.0 if rand() < 0.07 else 1.0  # SNDP missing in 93 % of rows
    return StationYear(rng, day_numbers, place, f'"{station.station_id}",', obs,
                       slp_missing, stp_missing, visib_missing, gust_missing, sndp_missing,
                       math.exp(-(station.elevation or 0.0) / 8400))


def station_csv(station: Station, year: int, seed: int) -> str:
    """One `<STATION>.csv` member: header, rows in NOAA's quoting, widths and sentinels.

    The reference, one row at a time; `synth_rows.station_csv_bytes` writes the same
    bytes with numpy and is what archives are made with.
    """
    traits = station_year(station, year, seed)
    rng = traits.rng
    rand, bits = rng.random, rng.getrandbits
    first = dt.date(year, 1, 1)
    day_numbers, place, prefix, obs = (traits.day_numbers, traits.place, traits.prefix,
                                       traits.obs)
    slp_missing, stp_missing = traits.slp_missing, traits.stp_missing
    visib_missing, gust_missing = traits.visib_missing, traits.gust_missing
    sndp_missing, pressure_factor = traits.sndp_missing, traits.pressure_factor
    mean, amplitude, noise = station.mean_f, station.amplitude_f, station.noise_f
    two_pi_year = 2 * math.pi / 365.25
    normal = _NORMAL
    full, short = f'"{obs:2d}"', f'"{max(obs - 1, 1):2d}"'
    lines = [HEADER_LINE]
    for day in day_numbers:
        date = first + dt.timedelta(day)
        temp = round(mean + amplitude * math.cos(two_pi_year * (day - station.peak_day))
                     + noise * normal[bits(16)], 1) or 0.0  # never "-0.0"
        dewp = temp - abs(10 + 7 * normal[bits(16)])
        slp = 1013.5 + 8 * normal[bits(16)]
        stp = round(slp * pressure_factor, 1)  # rounded first: 999.97 must not print as 1000.0
        wdsp = abs(7 + 4 * normal[bits(16)])
        mxspd = wdsp * (1.3 + 0.9 * rand())
        high = temp + abs(9 + 4 * normal[bits(16)])
        low = temp - abs(9 + 4 * normal[bits(16)])
        if rand() < stp_missing:
            stp_text = '"999.9"," 0"'
        else:  # NOAA drops the leading 1 of pressures >= 1000 mb
            stp_text = f'"{stp - 1000:05.1f}",{full}' if stp >= 1000 else f'"{stp:5.1f}",{full}'
        if rand() < 0.077:
            prcp_text = '"99.99"," "'
        else:
            amount = 0.0 if rand() < 0.6 else min(rng.expovariate(3), 9.99)
            flag = PRCP_FLAGS[bisect.bisect(_PRCP_CUMULATIVE, rand())]
            prcp_text = f'"{amount:5.2f}","{flag}"'
        lines.append(
            f'{prefix}"{date.isoformat()}",{place},"{temp:6.1f}",{full},'
            + (f'"{dewp:6.1f}",{full if rand() > 0.1 else short},' if rand() > 0.05
               else '"9999.9"," 0",')
            + (f'"{slp:6.1f}",{full},' if rand() >= slp_missing else '"9999.9"," 0",')
            + stp_text + ","
            + (f'"{2 + 18 * rand():5.1f}",{full},' if rand() >= visib_missing
               else '"999.9"," 0",')
            + (f'"{wdsp:5.1f}",{full},' if rand() > 0.04 else '"999.9"," 0",')
            + (f'"{mxspd:5.1f}",' if rand() > 0.06 else '"999.9",')
            + (f'"{mxspd * 1.4:5.1f}",' if rand() >= gust_missing else '"999.9",')
            + (f'"{high:6.1f}",' if rand() > 0.0006 else '"9999.9",')
            + ('"*",' if rand() < 0.44 else '" ",')
            + (f'"{low:6.1f}",' if rand() > 0.0007 else '"9999.9",')
            + ('"*",' if rand() < 0.4 else '" ",')
            + prcp_text + ","
            + (f'"{0.4 + 29.6 * rand():5.1f}",' if rand() >= sndp_missing else '"999.9",')
            + f'"{FRSHTT_VALUES[bisect.bisect(_FRSHTT_CUMULATIVE, rand())]}"'
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class SynthSummary:
    path: Path
    year: int
    stations: int
    rows: int
    seconds: float


def write_archive(year: int, out_dir: Path, scale: float = 1.0, seed: int = 0,
                  on_progress: Callable[[int, int, int], None] | None = None) -> SynthSummary:
    """Write `out_dir/YEAR.tar.gz`; the bytes are the same for the same (year, scale, seed)
    (and isal version: the tar inside is pinned by tests/unit/test_gsod_synth_digest.py).

    Written to a temporary name and renamed, so a crash never leaves a half archive that
    looks finished.
    """
    import time

    from isal import igzip

    from workloads.gsod import synth_rows

    check_year(year)
    if not scale > 0:
        raise ValueError(f"--scale must be greater than 0, got {scale}")
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{year}.tar.gz"
    partial = out_dir / f".{year}.tar.gz.{os.getpid()}.partial"
    stations = stations_in_year(station_pool(scale, seed), year)
    mtime = int(dt.datetime(year + 1, 1, 2, tzinfo=dt.UTC).timestamp())
    rows = 0
    try:
        with open(partial, "wb") as raw, \
                igzip.IGzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime,
                                compresslevel=COMPRESS_LEVEL) as zipped, \
                tarfile.open(fileobj=zipped, mode="w", format=tarfile.GNU_FORMAT) as tar:
            files = synth_rows.station_files(stations, year, seed)
            for done, (station, data) in enumerate(files, 1):
                rows += data.count(b"\n") - 1
                info = tarfile.TarInfo(f"{station.station_id}.csv")
                info.size, info.mtime, info.mode = len(data), mtime, 0o644
                tar.addfile(info, io.BytesIO(data))
                if on_progress:
                    on_progress(done, len(stations), rows)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return SynthSummary(path, year, len(stations), rows, time.monotonic() - started)


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year must be between {FIRST_YEAR} and {LAST_YEAR}, got {year}")
