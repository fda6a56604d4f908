"""Stations' synthetic files with numpy: the same bytes as `synth.station_csv`, ~5x faster.

The reference draws each field from `random.Random` row by row and formats it with an
f-string. Here the same Mersenne Twister stream is produced at once (numpy's MT19937,
given the Python generator's state), and the draws are replayed without Python per field:
- `random()` is two 32-bit words, `getrandbits(16)` one, so a row uses 36 to 48 words,
  depending on two per-row branches (PRCP missing / zero / drawn, DEWP missing) and two
  per-station ones (VISIB, SNDP present). The row starts of a batch of stations are
  walked together, one numpy step per row, then every field is gathered at once.
- Every NOAA field has a fixed width, so a station's rows form a 2-D byte array filled
  column by column; numbers are formatted by integer digits, rounding as `format` does
  (half-even on the exact binary value: values within 1e-6 of a tie are formatted by
  Python). A value wider than its field sends its batch of stations to the reference.
- `math.log` and `math.cos` stay Python's (numpy's may differ in the last bit).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterator

import numpy as np

from workloads.gsod import synth
from workloads.gsod.format import HEADER_LINE

_NORMAL = np.array(synth._NORMAL)
_PRCP_CUMULATIVE = np.array(synth._PRCP_CUMULATIVE)
_FRSHTT_CUMULATIVE = np.array(synth._FRSHTT_CUMULATIVE)
_MAX_WORDS_PER_ROW = 48
_BIT_GENERATOR = np.random.MT19937(0)


# rand() < p exactly when draw < ceil(p * 2**53); rand() > p when draw > floor(p * 2**53)
_BELOW_0_077 = math.ceil(0.077 * 2.0 ** 53)
_BELOW_0_6 = math.ceil(0.6 * 2.0 ** 53)
_ABOVE_0_05 = math.floor(0.05 * 2.0 ** 53)


class _TooWide(Exception):
    """A value needs more characters than its NOAA field: use the reference."""


BATCH_STATIONS = 256  # stations formatted together: numpy's per-call cost is paid once


def station_files(stations: list[synth.Station], year: int,
                  seed: int) -> Iterator[tuple[synth.Station, bytes]]:
    """Each station with its `<STATION>.csv` bytes, in order."""
    for first in range(0, len(stations), BATCH_STATIONS):
        batch = stations[first:first + BATCH_STATIONS]
        traits = [synth.station_year(station, year, seed) for station in batch]
        try:
            files = _batch(batch, traits, year)
        except _TooWide:
            files = [synth.station_csv(station, year, seed).encode("ascii")
                     for station in batch]
        yield from zip(batch, files, strict=True)


def station_csv_bytes(station: synth.Station, year: int, seed: int) -> bytes:
    return next(station_files([station], year, seed))[1]


def _words(traits: synth.StationYear, count: int) -> np.ndarray:
    """The next `count` 32-bit outputs of the station's Python generator."""
    state = traits.rng.getstate()[1]
    _BIT_GENERATOR.state = {"bit_generator": "MT19937",
                            "state": {"key": np.array(state[:624], dtype=np.uint32),
                                      "pos": state[624]}}
    return _BIT_GENERATOR.random_raw(count)


def _batch(stations: list[synth.Station], traits: list[synth.StationYear],
           year: int) -> list[bytes]:
    counts = [len(t.day_numbers) for t in traits]
    spans = [count * _MAX_WORDS_PER_ROW + 64 for count in counts]
    words = np.concatenate([_words(t, span) for t, span in zip(traits, spans, strict=True)])
    offsets = np.cumsum([0, *spans])
    def draw(at: np.ndarray) -> np.ndarray:  # random() as CPython makes it, times 2**53
        return ((words[at] >> 5) << 26) | (words[at + 1] >> 6)

    # rand() >= 0.0 always holds and rand() >= 1.0 never: VISIB, SNDP per station
    visib_on = np.array([t.visib_missing == 0.0 for t in traits])
    sndp_on = np.array([t.sndp_missing == 0.0 for t in traits])
    # Walk every station's chain of row starts at once, one step per row. A row uses
    # 36 words, +4 or +6 if PRCP is not missing (zero or drawn), +2 if DEWP is there,
    # +2 each for VISIB and SNDP.
    fixed_words = 36 + 2 * visib_on + 2 * sndp_on
    longest = max(counts)
    last_start = len(words) - 64
    at = offsets[:-1].astype(np.int64)
    steps = np.empty((len(counts), longest), dtype=np.int64)
    for step in range(longest):
        steps[:, step] = at
        prcp_words = np.where(draw(at + 10) < _BELOW_0_077, 0,
                              np.where(draw(at + 12) < _BELOW_0_6, 4, 6))
        dewp_words = np.where(draw(at + 12 + prcp_words) > _ABOVE_0_05, 2, 0)
        # a station past its last row walks on, unused, in the next one's words
        at = np.minimum(at + fixed_words + prcp_words + dewp_words, last_start)
    s = steps[np.arange(longest)[None, :] < np.array(counts)[:, None]]
    n = len(s)
    if n == 0:
        return [(HEADER_LINE + "\n").encode("ascii")] * len(stations)
    row_station = np.repeat(np.arange(len(stations)), counts)

    def uniform(at: np.ndarray) -> np.ndarray:
        return draw(at).astype(np.float64) * (1.0 / 9007199254740992.0)

    def gauss(at: np.ndarray) -> np.ndarray:  # _NORMAL[getrandbits(16)]
        return _NORMAL[(words[at] >> 16).astype(np.intp)]

    def per_row(values: list[float] | list[int]) -> np.ndarray:
        return np.array(values)[row_station]

    days = np.concatenate([np.array(t.day_numbers, dtype=np.intp) for t in traits])
    cosines = np.stack([_cosines(st.peak_day) for st in stations])[row_station, days]
    temp = _round1(per_row([st.mean_f for st in stations])
                   + per_row([st.amplitude_f for st in stations]) * cosines
                   + per_row([st.noise_f for st in stations]) * gauss(s))
    temp[temp == 0] = 0.0  # never "-0.0"
    dewp = temp - np.abs(10 + 7 * gauss(s + 1))
    slp = 1013.5 + 8 * gauss(s + 2)
    stp = _round1(slp * per_row([t.pressure_factor for t in traits]))
    wdsp = np.abs(7 + 4 * gauss(s + 3))
    mxspd = wdsp * (1.3 + 0.9 * uniform(s + 4))
    high = temp + np.abs(9 + 4 * gauss(s + 6))
    low = temp - np.abs(9 + 4 * gauss(s + 7))
    stp_missing = uniform(s + 8) < per_row([t.stp_missing for t in traits])
    prcp_missing = uniform(s + 10) < 0.077
    prcp_zero = uniform(s + 12) < 0.6
    drawn = np.flatnonzero(~prcp_missing & ~prcp_zero)
    amount = np.zeros(n)
    amount[drawn] = [min(-math.log(1.0 - u) / 3, 9.99) for u in uniform(s[drawn] + 14).tolist()]
    prcp_flag = np.searchsorted(_PRCP_CUMULATIVE, uniform(s + 14 + np.where(prcp_zero, 0, 2)),
                                side="right")
    q = s + 12 + np.where(prcp_missing, 0, np.where(prcp_zero, 4, 6))
    dewp_present = uniform(q) > 0.05
    dewp_full = uniform(q + 2) > 0.1
    q = q + 2 + np.where(dewp_present, 2, 0)
    slp_present = uniform(q) >= per_row([t.slp_missing for t in traits])
    q = q + 2
    visib_present = visib_on[row_station]
    visib = 2 + 18 * uniform(q + 2)
    q = q + 2 + 2 * visib_present
    wdsp_present = uniform(q) > 0.04
    mxspd_present = uniform(q + 2) > 0.06
    gust_present = uniform(q + 4) >= per_row([t.gust_missing for t in traits])
    max_present = uniform(q + 6) > 0.0006
    max_flag = uniform(q + 8) < 0.44
    min_present = uniform(q + 10) > 0.0007
    min_flag = uniform(q + 12) < 0.4
    q = q + 14
    sndp_present = sndp_on[row_station]
    sndp = 0.4 + 29.6 * uniform(q + 2)
    frshtt = np.searchsorted(_FRSHTT_CUMULATIVE, uniform(q + 2 + 2 * sndp_present),
                             side="right")

    obs = per_row([t.obs for t in traits])
    full = _table(_OBS_TEXTS)[np.searchsorted(_OBS_VALUES, obs)]
    short = _table(_OBS_TEXTS)[np.searchsorted(_OBS_VALUES, np.maximum(obs - 1, 1))]
    high_stp = stp >= 1000
    stp_text = np.where(high_stp[:, None], _fixed(np.where(high_stp, stp - 1000, 0.0), 5, 1,
                                                  zero_pad=True),
                        _fixed(np.where(high_stp, 100.0, stp), 5, 1))
    c = functools.partial(_text, n)
    tail = np.hstack([
        c('"'), _fixed(temp, 6, 1), c('",'), full, c(","),
        _pick(dewp_present, [c('"'), _fixed(dewp, 6, 1), c('",'),
                             np.where(dewp_full[:, None], full, short), c(",")],
              '"9999.9"," 0",'),
        _pick(slp_present, [c('"'), _fixed(slp, 6, 1), c('",'), full, c(",")],
              '"9999.9"," 0",'),
        _pick(~stp_missing, [c('"'), stp_text, c('",'), full], '"999.9"," 0"'), c(","),
        _pick(visib_present, [c('"'), _fixed(visib, 5, 1), c('",'), full, c(",")],
              '"999.9"," 0",'),
        _pick(wdsp_present, [c('"'), _fixed(wdsp, 5, 1), c('",'), full, c(",")],
              '"999.9"," 0",'),
        _pick(mxspd_present, [c('"'), _fixed(mxspd, 5, 1), c('",')], '"999.9",'),
        _pick(gust_present, [c('"'), _fixed(mxspd * 1.4, 5, 1), c('",')], '"999.9",'),
        _pick(max_present, [c('"'), _fixed(high, 6, 1), c('",')], '"9999.9",'),
        _choose(max_flag, '"*",', '" ",'),
        _pick(min_present, [c('"'), _fixed(low, 6, 1), c('",')], '"9999.9",'),
        _choose(min_flag, '"*",', '" ",'),
        _pick(~prcp_missing, [c('"'), _fixed(amount, 5, 2), c('","'),
                              _table(synth.PRCP_FLAGS)[prcp_flag], c('"')], '"99.99"," "'),
        c(","),
        _pick(sndp_present, [c('"'), _fixed(sndp, 5, 1), c('",')], '"999.9",'),
        c('"'), _table(synth.FRSHTT_VALUES)[frshtt], c('"\n'),
    ])
    dates = _dates(year)[days]
    header = (HEADER_LINE + "\n").encode("ascii")
    files = []
    row_bounds = np.cumsum([0, *counts]).tolist()
    for i, t in enumerate(traits):
        lo, hi = row_bounds[i], row_bounds[i + 1]
        rows = hi - lo
        files.append(header + np.hstack([_text(rows, t.prefix + '"'), dates[lo:hi],
                                         _text(rows, '",' + t.place + ","),
                                         tail[lo:hi]]).tobytes())
    return files


_OBS_VALUES = (1, 3, 4, 7, 8, 11, 12, 23, 24)  # obs and obs - 1 for obs in (24, 8, 12, 4)
_OBS_TEXTS = tuple(f'"{value:2d}"' for value in _OBS_VALUES)


def _round1(values: np.ndarray) -> np.ndarray:
    """Python's round(x, 1): the nearest double to the exactly rounded decimal."""
    tenths = _tenths_exact(np.abs(values), 1)
    return np.copysign(tenths / 10.0, values)


def _tenths_exact(magnitudes: np.ndarray, decimals: int) -> np.ndarray:
    """round-half-even(x * 10**decimals) on x's exact binary value, as `format` does."""
    scaled = magnitudes * 10.0 ** decimals
    rounded = np.rint(scaled)
    near_tie = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for i in near_tie.tolist():  # the product may have rounded across the tie: ask Python
        rounded[i] = float(f"{magnitudes[i]:.{decimals}f}".replace(".", ""))
    return rounded


def _fixed(values: np.ndarray, width: int, decimals: int, zero_pad: bool = False) -> np.ndarray:
    """f"{v:{width}.{decimals}f}" (or "0{width}") for each value, as an (n, width) array."""
    units = _tenths_exact(np.abs(values), decimals).astype(np.int64)
    negative = np.signbit(values)
    int_cols = width - decimals - 1
    whole = units // 10 ** decimals
    digits = np.ones(len(values), dtype=np.int64)
    for k in range(1, int_cols + 1):
        digits += whole >= 10 ** k
    if np.any(digits + negative > int_cols) or (zero_pad and negative.any()):
        raise _TooWide
    out = np.full((len(values), width), ord("0" if zero_pad else " "), dtype=np.uint8)
    for k in range(decimals):
        out[:, width - 1 - k] = 48 + (units // 10 ** k) % 10
    out[:, int_cols] = ord(".")
    for k in range(int_cols):
        shown = (k < digits) | zero_pad
        out[shown, int_cols - 1 - k] = 48 + (whole[shown] // 10 ** k) % 10
    signed = np.flatnonzero(negative)
    out[signed, int_cols - 1 - digits[signed]] = ord("-")
    return out


def _text(n: int, text: str) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8),
                           (n, len(text)))


def _pick(present: np.ndarray, parts: list[np.ndarray], sentinel: str) -> np.ndarray:
    block = np.hstack(parts)
    missing = np.frombuffer(sentinel.encode("ascii"), dtype=np.uint8)
    assert block.shape[1] == len(missing), (sentinel, block.shape)
    return np.where(present[:, None], block, missing[None, :])


def _choose(condition: np.ndarray, if_true: str, if_false: str) -> np.ndarray:
    return _table((if_false, if_true))[condition.astype(np.intp)]


@functools.lru_cache(maxsize=64)
def _table(texts: tuple[str, ...]) -> np.ndarray:
    """Equal-length strings as rows of bytes, to index with an array of choices."""
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(
        len(texts), -1)


@functools.lru_cache(maxsize=8)
def _dates(year: int) -> np.ndarray:
    first = dt.date(year, 1, 1)
    return _table(tuple((first + dt.timedelta(day)).isoformat() for day in range(367)))


@functools.lru_cache(maxsize=8)
def _cosines(peak_day: int) -> np.ndarray:
    two_pi_year = 2 * math.pi / 365.25
    return np.array([math.cos(two_pi_year * (day - peak_day)) for day in range(367)])
