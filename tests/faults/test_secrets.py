"""The cluster token never appears in anything raytui produces; secrets in a driver's
command line are kept in JSON unless --redact / RAYTUI_REDACT=1 masks them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.cluster import RayHead
from tests.faults.conftest import raytui
from tui.core.auth import read_auth_token

pytestmark = pytest.mark.ray
DRIVER = "import ray,time; ray.init(address='{}'); time.sleep(120)"


def test_the_token_appears_in_no_output_log_or_recording(head: RayHead, log_dir: Path,
                                                          tmp_path: Path) -> None:
    token = read_auth_token()
    assert token, "Ray 2.60 clusters have a token"
    record = tmp_path / "rec.jsonl"
    runs = [
        raytui("watch", "--jsonl", "--address", head.gcs_address, "--duration", "4",
               "--interval", "0.5", "--record", str(record), tmpdir=log_dir),
        raytui("snapshot", "--json", "--address", head.dashboard_url, tmpdir=log_dir),
        raytui("snapshot", "--address", head.gcs_address, tmpdir=log_dir),
        raytui("snapshot", "--address", head.gcs_address, tmpdir=log_dir,
               env={"RAY_AUTH_TOKEN": token + "x"}),  # refused: the error names no token
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 2], [r.stderr[-300:] for r in runs]
    produced = {f"run {i} {name}": text for i, r in enumerate(runs)
                for name, text in (("stdout", r.stdout), ("stderr", r.stderr))}
    produced.update({str(p): p.read_text(errors="replace")
                     for p in [record, *log_dir.rglob("*")] if p.is_file()})
    assert record.stat().st_size > 0 and any("raytui-" in name for name in produced)
    leaks = [name for name, text in produced.items() if token in text]
    assert not leaks, leaks


def test_redact_masks_secret_arguments_in_worker_titles(head: RayHead) -> None:
    """Was: no --redact; titles with secrets printed as they are."""
    secret, password = "sk-" + os.urandom(6).hex(), "pw" + os.urandom(6).hex()
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER.format(head.gcs_address), f"--api-key={secret}",
         "--db-password", password], env={**os.environ, "RAY_AUTH_MODE": "token"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        plain = ""
        for _ in range(30):
            plain = raytui("snapshot", "--json", "--address", head.gcs_address).stdout
            if secret in plain:
                break
            time.sleep(1)
        titles = [w["title"] for w in json.loads(plain)["workers"]]
        assert any(secret in t and password in t for t in titles), titles  # JSON keeps them
        for extra, env in ((["--redact"], {}), ([], {"RAYTUI_REDACT": "1"})):
            masked = raytui("snapshot", "--json", "--address", head.gcs_address, *extra,
                            env=env).stdout
            assert secret not in masked and password not in masked
            titles = [w["title"] for w in json.loads(masked)["workers"]]
            assert any("--api-key=***" in t and "--db-password ***" in t for t in titles)
        watched = raytui("watch", "--address", head.gcs_address, "--duration", "3",
                         "--redact", "--jsonl").stdout
        assert watched and secret not in watched and "--api-key=***" in watched
    finally:
        driver.kill()
        driver.wait(10)
