"""Every bad input is one clear line, exit 2, within 15 s (issue 15's table)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.cluster import RayHead, listening_port
from tests.faults.conftest import one_line_error, raytui
from tui.core.connection import free_port

pytestmark = pytest.mark.ray
LIMIT_S = 15.0


def test_an_open_port_that_is_not_a_gcs(head: RayHead) -> None:
    """Was: hangs past 180 s with Ray warnings repeating."""
    ran = raytui("snapshot", "--address", f"127.0.0.1:{head.dashboard_port}", timeout=60)
    line = one_line_error(ran)
    assert "is not a Ray GCS" in line and f"http://127.0.0.1:{head.dashboard_port}" in line
    assert ran.seconds < LIMIT_S


def test_a_silent_open_port() -> None:
    sock, port = listening_port()
    with sock:
        ran = raytui("watch", "--address", f"127.0.0.1:{port}", "--duration", "5", timeout=60)
    assert "does not answer like a Ray GCS" in one_line_error(ran)
    assert ran.seconds < LIMIT_S


def test_http_on_the_gcs_port(head: RayHead) -> None:
    """Was: `snapshot` exits 0 with "NOT connected"."""
    ran = raytui("snapshot", "--address", f"http://{head.gcs_address}", timeout=60)
    assert "drop http://" in one_line_error(ran)
    assert ran.seconds < LIMIT_S


@pytest.mark.parametrize("form", ["gcs", "dashboard"])
def test_a_wrong_token(head: RayHead, form: str, log_dir: Path) -> None:
    """Was: exit 0 "NOT connected" (dashboard URL); 20 C++ lines, 21 s (GCS address)."""
    secret = "wrong-token-" + os.urandom(8).hex()
    address = head.gcs_address if form == "gcs" else head.dashboard_url
    ran = raytui("snapshot", "--address", address, env={"RAY_AUTH_TOKEN": secret},
                 tmpdir=log_dir, timeout=60)
    line = one_line_error(ran)
    assert "token" in line and "RAY_AUTH_TOKEN" in line and "~/.ray/auth_token" in line
    assert ran.seconds < LIMIT_S
    produced = ran.stdout + ran.stderr + "".join(p.read_text(errors="replace")
                                                 for p in log_dir.rglob("*") if p.is_file())
    assert secret not in produced


def test_an_empty_address_starts_nothing() -> None:
    """Was: silently starts a new embedded cluster."""
    ran = raytui("snapshot", "--address", "", timeout=30)
    assert "--address is empty" in one_line_error(ran)
    assert ran.seconds < 5


def test_nothing_listening() -> None:
    for address in (f"127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"):
        ran = raytui("snapshot", "--address", address, timeout=30)
        assert "refused" in one_line_error(ran)


def test_record_on_a_full_disk(head: RayHead) -> None:
    """Was: exit 1 with "set RAYTUI_DEBUG=1" (an internal bug, not a user error)."""
    ran = raytui("watch", "--address", head.gcs_address, "--record", "/dev/full",
                 "--duration", "10", timeout=60)
    assert "No space left on device" in one_line_error(ran)
    assert ran.seconds < LIMIT_S
