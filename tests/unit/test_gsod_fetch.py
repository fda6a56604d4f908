"""`raytui gsod fetch` against a real HTTP server on loopback, with Range (resume) support."""

from __future__ import annotations

import http.server
import io
import re
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_raytui
from tui.core.connection import free_port
from workloads.gsod.fetch import FetchError, fetch_year

REPO = Path(__file__).resolve().parents[2]
REAL_FILE = REPO.parent / "shared" / "data" / "gsod" / "2019" / "40582099999.csv"


def small_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(REAL_FILE, arcname=REAL_FILE.name)
    return buffer.getvalue()


ARCHIVE = small_archive()


class ArchiveServer(http.server.BaseHTTPRequestHandler):
    """Serves /archive/2019.tar.gz, honouring `Range: bytes=N-` with 206 as NCEI does."""

    ranges: list[str | None] = []
    cut_after: int | None = None  # send only this many bytes of the body, then hang up

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != "/archive/2019.tar.gz":
            self.send_error(404)
            return
        requested = self.headers.get("Range")
        type(self).ranges.append(requested)
        start = 0
        if requested:
            match = re.fullmatch(r"bytes=(\d+)-", requested)
            assert match, requested
            start = int(match.group(1))
            if start >= len(ARCHIVE):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(ARCHIVE)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(ARCHIVE) - 1}/{len(ARCHIVE)}")
        else:
            self.send_response(200)
        body = ARCHIVE[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.cut_after is not None:
            body = body[:self.cut_after]
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    ArchiveServer.ranges = []
    ArchiveServer.cut_after = None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ArchiveServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/archive/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_download_writes_the_archive(server: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = fetch_year(2019, tmp_path, server, lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "2019.tar.gz"
    assert path.read_bytes() == ARCHIVE
    assert seen[-1] == (len(ARCHIVE), len(ARCHIVE))
    assert ArchiveServer.ranges == [None]
    assert not (tmp_path / "2019.tar.gz.part").exists()


def test_an_interrupted_download_resumes_with_a_range_request(server: str, tmp_path: Path) -> None:
    ArchiveServer.cut_after = 1000
    with pytest.raises(FetchError, match="run the same command again to resume"):
        fetch_year(2019, tmp_path, server, timeout=5)
    assert (tmp_path / "2019.tar.gz.part").stat().st_size == 1000
    assert not (tmp_path / "2019.tar.gz").exists()
    ArchiveServer.cut_after = None
    path = fetch_year(2019, tmp_path, server)
    assert ArchiveServer.ranges == [None, "bytes=1000-"]
    assert path.read_bytes() == ARCHIVE


def test_a_complete_partial_file_is_finished_on_416(server: str, tmp_path: Path) -> None:
    (tmp_path / "2019.tar.gz.part").write_bytes(ARCHIVE)
    assert fetch_year(2019, tmp_path, server).read_bytes() == ARCHIVE


def test_missing_year_and_offline_are_clear_errors(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"no archive for 1901 at .*1901.tar.gz \(HTTP 404\)"):
        fetch_year(1901, tmp_path, server)
    with pytest.raises(FetchError, match=r"offline\?.*raytui gsod synth --year 2019"):
        fetch_year(2019, tmp_path, f"http://127.0.0.1:{free_port()}/archive/")


def test_the_cli_downloads_and_reports_offline_in_one_line(server: str, tmp_path: Path) -> None:
    done = run_raytui("gsod", "fetch", "2019", "--out", str(tmp_path), "--base-url", server)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "2019.tar.gz").read_bytes() == ARCHIVE
    assert "2019.tar.gz" in done.stdout
    offline = run_raytui("gsod", "fetch", "2020", "--out", str(tmp_path),
                         "--base-url", f"http://127.0.0.1:{free_port()}/")
    assert offline.returncode == 2
    assert offline.stderr.count("\n") == 1 and "Traceback" not in offline.stderr
    assert offline.stderr.startswith("raytui gsod fetch: cannot download http://127.0.0.1:")
