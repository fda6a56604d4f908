"""Download NOAA's yearly GSOD archives (`YEAR.tar.gz`) for users who have internet.

The download goes to `YEAR.tar.gz.part` and is renamed when complete; a later run
resumes a partial file with an HTTP Range request. Plain `urllib`, no new dependency.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

NCEI_ARCHIVE_URL = "https://www.ncei.noaa.gov/data/global-summary-of-the-day/archive/"
CHUNK = 1 << 16
TIMEOUT_S = 30.0
GZIP_MAGIC = b"\x1f\x8b"


class FetchError(RuntimeError):
    """A download that cannot be done (offline, no such year, server error)."""


def archive_url(base_url: str, year: int) -> str:
    return base_url.rstrip("/") + f"/{year}.tar.gz"


def fetch_year(year: int, out_dir: Path, base_url: str = NCEI_ARCHIVE_URL,
               on_progress: Callable[[int, int], None] | None = None,
               timeout: float = TIMEOUT_S) -> Path:
    """Download one archive into `out_dir`; `on_progress(bytes done, bytes total or 0)`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{year}.tar.gz"
    partial = out_dir / f"{year}.tar.gz.part"
    url = archive_url(base_url, year)
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "raytui-gsod-fetch"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # nothing left to fetch: the partial file is whole
            return _finish(partial, final, url)
        if err.code == 404:
            raise FetchError(f"no archive for {year} at {url} (HTTP 404)") from None
        raise FetchError(f"cannot download {url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise FetchError(f"cannot download {url}: {reason} (offline? without internet, "
                         f"`raytui gsod synth --year {year}` makes a synthetic archive)") from None
    with response:
        resumed = response.status == 206
        if not resumed:
            have = 0  # the server sent the whole file: start over
        length = int(response.headers.get("Content-Length") or 0)
        total = have + length if length else 0
        done = have
        try:
            with open(partial, "ab" if resumed else "wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if on_progress:
                        on_progress(done, total)
        except (OSError, http.client.HTTPException) as err:
            raise FetchError(f"download of {url} interrupted after {done:,} bytes ({err}); "
                             "run the same command again to resume") from None
    if total and done < total:
        raise FetchError(f"download of {url} stopped at {done:,} of {total:,} bytes; "
                         "run the same command again to resume")
    return _finish(partial, final, url)


def _finish(partial: Path, final: Path, url: str) -> Path:
    with open(partial, "rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            partial.unlink()
            raise FetchError(f"{url} did not send a gzip archive; nothing kept")
    os.replace(partial, final)
    return final
