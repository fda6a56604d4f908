"""The installed `raytui snapshot --json --address http://...` against the simulated
dashboard (tests/sim): the same command a user runs against a real cluster's head.

No Ray is started: the sim answers in Ray 2.60's recorded JSON, with token auth on.
"""

from __future__ import annotations

import json

from tests.conftest import run_raytui
from tests.sim import SimCluster


def test_snapshot_over_http_sees_every_node_and_worker_of_the_sim() -> None:
    with SimCluster(nodes=10, workers_per_node=16, tasks=1_000, actors=100, seed=3) as sim:
        expected = sim.counts()
        result = run_raytui("snapshot", "--json", "--address", sim.url, timeout=90,
                            env=sim.env())
        assert result.returncode == 0, result.stderr[-2000:]
        assert sim.token and sim.token not in result.stdout + result.stderr
        snapshot = json.loads(result.stdout)
        stats = sim.stats()
    assert snapshot["status"]["connected"] is True
    assert snapshot["status"]["errors"] == []
    assert len(snapshot["nodes"]) == 10
    assert {n["node_id"] for n in snapshot["nodes"]} == set(sim.node_ids)
    assert len(snapshot["workers"]) == expected["alive_workers"] == 10 * 16 + 1  # + the driver
    assert snapshot["workers_list"] == {"total": expected["alive_workers"],
                                        "returned": expected["alive_workers"]}
    assert snapshot["tasks"]["by_state"] == {"FINISHED": expected["tasks_finished"],
                                             "FAILED": expected["tasks_failed"],
                                             "RUNNING": expected["tasks_running"]}
    # it asked the dashboard, with the token (a 401 would have been an error above)
    assert stats["/nodes"]["requests"] >= 1 and stats["/api/v0/workers"]["requests"] >= 1


def test_snapshot_with_a_wrong_token_is_one_line_and_exit_2() -> None:
    # issue 15: a script must be able to tell; the line says which variable to check
    with SimCluster(nodes=2, workers_per_node=2, tasks=10, actors=1) as sim:
        result = run_raytui("snapshot", "--json", "--address", sim.url, timeout=90,
                            env={"RAY_AUTH_TOKEN": "not-the-token"})
    assert sim.token and sim.token not in result.stdout + result.stderr
    assert "not-the-token" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "token" in line and "RAY_AUTH_TOKEN" in line
