"""`raytui run fib --observe` on a real cluster: the serial pattern's story names one
worker running every task and the uneven flag; the fan-out's names every worker."""

from __future__ import annotations

import json

from tests.conftest import run_raytui
from tui.core.connection import RayConnection


def observed(ray_cluster: RayConnection, *args: str) -> dict[str, object]:
    result = run_raytui("run", "fib", "--size", "100000", "--no-local", "--observe", "--json",
                        "--address", ray_cluster.gcs_address or "", *args, timeout=240)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # stdout is the JSON alone
    assert isinstance(data["observed"], dict)
    return data["observed"]


def test_the_serial_story_names_one_worker_running_all_tasks(ray_cluster: RayConnection) -> None:
    story = observed(ray_cluster, "--pattern", "serial", "--count", "20")
    workers = story["workers"]
    assert isinstance(workers, list) and workers
    assert story["tasks_exact"] is True and story["tasks"] == 20
    assert workers[0]["tasks"] == 20  # the serial loop's one worker ran them all
    assert "uneven" in {flag["kind"] for flag in story["flags"]}  # type: ignore[union-attr]
    assert str(story["verdict"]).startswith(f"one worker (pid {workers[0]['pid']}) ran 20 of")
    assert "ray.get" in str(story["verdict"])


def test_the_fan_out_story_names_every_worker_and_no_uneven(ray_cluster: RayConnection) -> None:
    story = observed(ray_cluster, "--pattern", "parallel", "--count", "8")
    workers = story["workers"]
    assert isinstance(workers, list)
    assert len([w for w in workers if w["tasks"] > 0]) == 2  # both CPUs' workers ran tasks
    assert story["tasks"] == 8
    assert "uneven" not in {flag["kind"] for flag in story["flags"]}  # type: ignore[union-attr]
