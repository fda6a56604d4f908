"""`raytui lab` sweeps against a real 2-CPU cluster: the crossover and the bytes are real."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import pytest

from tests.conftest import run_raytui
from tests.helpers import wait_until_quiet
from tui.core.connection import RayConnection
from tui.core.lessons import Lessons
from workloads import fibonacci
from workloads import lab_results as lab

# Measured on this 2-core machine while colleagues ran clusters: at 1000 the fan-out
# is ~10x slower than the loop (a few ms of Ray overhead for 0.3 ms of work); at
# 100000 it is 1.5-1.8x faster; the crossover moved between 10k and 80k with load.
COMPUTE_SIZES = (1_000, 20_000, 100_000)
IO_SIZES = (100, 3_000, 30_000)


def test_compute_sweep_finds_the_crossover_between_small_and_large(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    """Also the lessons' crossover step on a real run (the step's own command): the sweep
    completes that step and no other (tests/integration/test_lessons_real.py has the rest)."""
    table = tmp_path / "compute.csv"
    state_home = tmp_path / "learner-state"
    wait_until_quiet()  # a crossover on 2 cores needs both (a neighbour's exit halves it)
    result = run_raytui("lab", "compute", "--sizes", ",".join(map(str, COMPUTE_SIZES)),
                        "--repeats", "3", "--json", "--csv", str(table),
                        "--address", ray_cluster.gcs_address or "",
                        env={"XDG_STATE_HOME": str(state_home)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "--json prints one object"
    data = json.loads(lines[0])
    assert data["kind"] == "compute" and data["count"] == 2 and data["repeats"] == 3
    assert data["sizes"] == list(COMPUTE_SIZES)
    points = data["points"]
    assert [p["size"] for p in points] == data["sizes"]
    for p in points:
        assert p["local_s"] > 0 and p["remote_s"] > 0
        assert p["speedup"] == pytest.approx(p["local_s"] / p["remote_s"])
    smallest, largest = points[0], points[-1]
    assert smallest["remote_s"] > smallest["local_s"], "Ray overhead should dominate at 1000"
    assert largest["remote_s"] < largest["local_s"], "the fan-out should win at 100000"
    assert COMPUTE_SIZES[0] < data["crossover_size"] <= COMPUTE_SIZES[-1]
    # the reported crossover is the rule applied to the reported medians
    recomputed = lab.summarize("compute", 2, 3, [lab.SweepPoint.from_json(p) for p in points],
                               load_average=data["load_average"], cores=data["cores"])
    assert data["crossover_size"] == recomputed.crossover_size
    assert data["message"] == recomputed.message
    assert data["local_nice"] == 15, "the loop runs at Ray's default worker niceness"
    with table.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["size"]) for r in rows] == data["sizes"]
    assert [float(r["remote_s"]) for r in rows] == [p["remote_s"] for p in points]
    progress = Lessons(state_home / "raytui" / "lessons.json").progress
    assert set(progress.done) == {"crossover"}


def test_io_sweep_as_a_job_measures_the_bytes_returned(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    """Through the dashboard URL, so the sweep runs as a Ray job, as the Lab screen does."""
    table = tmp_path / "io.csv"
    result = run_raytui("lab", "io", "--sizes", ",".join(map(str, IO_SIZES)), "--repeats", "2",
                        "--count", "2", "--csv", str(table),
                        "--address", ray_cluster.dashboard_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("io sweep: 2 sequences per size")
    assert len(lines) == 2 + len(IO_SIZES) + 1  # title, header, one row per size, verdict
    assert "moving the data takes longer than computing it" in lines[-1]
    with table.open() as handle:
        rows = {int(r["size"]): r for r in csv.DictReader(handle)}
    assert list(rows) == list(IO_SIZES)
    largest = rows[IO_SIZES[-1]]
    # Ray pickles a list of ints (protocol 5): the store holds about pickle's size
    expected = 2 * len(pickle.dumps(fibonacci.fibonacci_sequence(IO_SIZES[-1]), protocol=5))
    assert int(largest["bytes"]) == pytest.approx(expected, rel=0.05)
    assert [int(r["bytes"]) for r in rows.values()] == sorted(int(r["bytes"]) for r in rows.values())
    remote_s, size_only_s = float(largest["remote_s"]), float(largest["remote_size_s"])
    assert float(largest["transfer_s"]) == pytest.approx(remote_s - size_only_s)
    assert remote_s > size_only_s, "returning 80 MB must cost time"


@pytest.mark.parametrize(
    ("args", "message"),
    [(("compute", "--sizes", "10,abc"), "raytui lab compute: --sizes: 'abc' is not a number"),
     (("io", "--repeats", "0"), "raytui lab io: --repeats must be 1 or more, got 0"),
     (("compute", "--num-cpus", "0"), "raytui lab compute: --num-cpus must be 1 or more, got 0"),
     (("io", "--csv", "/nonexistent-dir/x.csv"),
      "raytui lab io: cannot write --csv /nonexistent-dir/x.csv: No such file or directory")],
)
def test_lab_rejects_bad_input_in_one_line_before_connecting(args: tuple[str, ...],
                                                            message: str) -> None:
    result = run_raytui("lab", *args, "--address", "127.0.0.1:1")
    assert result.returncode == 2
    assert result.stderr.strip() == message
