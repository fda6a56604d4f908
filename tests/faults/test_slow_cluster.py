"""`watch --duration` is wall-clock time, and a cluster that never answers a poll is
exit 2. The slow cluster is a dashboard that answers its version at once (so the
connection is made) and then takes 20 s over every call, as an overloaded head does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.faults.conftest import raytui

HANG_S = 20.0


class SlowDashboard(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/api/version":
            body = json.dumps({"version": "4", "ray_version": "2.60.0",
                               "session_name": "session_slow"}).encode()
        else:
            time.sleep(HANG_S)
            body = b'{"result": false, "msg": "late"}'
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up: that is the point

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowDashboard)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_watch_duration_is_wall_clock_and_never_connected_is_exit_2(slow_url: str) -> None:
    """Was: `watch --duration 20` ran 207 s against a slow cluster, and exit 0."""
    ran = raytui("watch", "--address", slow_url, "--duration", "6", "--interval", "1",
                 timeout=120)
    assert ran.seconds < 6 + 3, ran.seconds
    assert ran.returncode == 2, (ran.returncode, ran.stderr[-300:])
    assert "never connected" in ran.stderr and "Traceback" not in ran.stderr


def test_snapshot_that_never_connected_is_exit_2(slow_url: str) -> None:
    """Was: `snapshot` printed "NOT connected" and exit 0: a script could not tell."""
    ran = raytui("snapshot", "--address", slow_url, timeout=120)
    assert ran.returncode == 2, (ran.returncode, ran.stdout[-300:])
    assert "did not answer" in ran.stderr and not ran.stdout
