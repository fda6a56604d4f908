"""The GSOD experiment on a two-node cluster: actors on a node other than the driver's,
archive bytes through the object store, launched as a job through the dashboard."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.integration.test_gsod_run import reference
from workloads.gsod.synth import write_archive

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.ray


def test_actors_on_another_node_get_the_archive_through_the_object_store(
        tmp_path: Path) -> None:
    archives = {year: write_archive(year, tmp_path, scale=0.005, seed=11).path
                for year in (1980, 2020)}
    expected = reference(archives)
    helper = subprocess.run(
        [sys.executable, "-m", "tests.integration.gsod_two_nodes", str(tmp_path)],
        capture_output=True, text=True, timeout=400, cwd=REPO)
    assert helper.returncode == 0, helper.stderr[-2000:]
    outcome = json.loads(helper.stdout.strip().splitlines()[-1])
    assert outcome["returncode"] == 0, outcome["stderr"]
    data = json.loads(outcome["stdout"].strip().splitlines()[-1])
    for key, value in expected.items():
        assert data[key] == value, key
    # The head has no CPUs: both actors ran on the other node, away from the driver.
    assert set(data["actor_nodes"]) == {"1980", "2020"}
    assert outcome["head_node_id"] not in data["actor_nodes"].values()
    # Not the driver's node, so not the driver's file: the bytes came by the object store.
    assert data["archive_via"] == {"1980": "object store", "2020": "object store"}
    # Nothing of that cluster is left (other people's clusters may come and go meanwhile).
    deadline = time.monotonic() + 15
    while leftovers(outcome["session_dir"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert leftovers(outcome["session_dir"]) == []


def leftovers(session_dir: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if session_dir in " ".join(proc.info["cmdline"] or []) and \
                    proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found
