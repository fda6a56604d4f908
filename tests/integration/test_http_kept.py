"""DashboardHttp against the simulated dashboard (tests/sim, no Ray): a body read whole
gives its connection back to the pool, and `get_kept` reads the node summary into one
buffer kept from call to call, which grows when an answer does."""

from __future__ import annotations

import json

import pytest

from tests.sim import SimCluster
from tui.core.sources.http import DashboardHttp, SourceError


def test_bodies_keep_one_connection_and_the_summary_one_buffer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with SimCluster(nodes=20, workers_per_node=4, tasks=10, actors=1) as sim:
        for name, value in sim.env().items():
            monkeypatch.setenv(name, value)
        http = DashboardHttp(sim.url)
        plain = http.get_body("/nodes", {"view": "summary"})
        view = http.get_kept("summary", "/nodes", {"view": "summary"})
        assert bytes(view) == plain and json.loads(plain)["data"]["summary"]
        buffer = http._buffers["summary"]
        view.release()
        again = http.get_kept("summary", "/nodes", {"view": "summary"})
        assert bytes(again) == plain and http._buffers["summary"] is buffer  # not a new one
        # an answer that changed, read while a view of the last is still held
        sim.model.kill_node(sim.node_ids[-1])
        with pytest.raises(SourceError, match="HTTP 404"):
            http.get_body("/no/such/path")
        changed = http.get_kept("summary", "/nodes", {"view": "summary"})
        assert bytes(changed) == http.get_body("/nodes", {"view": "summary"}) != plain
        changed.release()
        # a small answer under a name, then a bigger one while the view is held: it
        # cannot grow that buffer, so it goes on in a new one
        small = http.get_kept("other", "/api/version")
        held = http._buffers["other"]
        grown = http.get_kept("other", "/nodes", {"view": "summary"})
        assert http._buffers["other"] is not held and json.loads(bytes(small))["ray_version"]
        assert bytes(grown) == http.get_body("/nodes", {"view": "summary"})
        small.release()
        grown.release()
        again.release()
        manager = getattr(http._session.adapters["http://"], "poolmanager")  # noqa: B009
        pools = list(manager.pools._container.values())
        assert [pool.num_connections for pool in pools] == [1]  # every answer read whole
        http.close()
