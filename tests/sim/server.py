"""The simulated dashboard: an aiohttp server over a SimModel, in a background thread.

    with SimCluster(nodes=1000, workers_per_node=16, tasks=100_000, actors=10_000) as sim:
        run(["raytui", "--address", sim.url], env={"RAY_AUTH_TOKEN": sim.token})
        sim.stats()  # {"/nodes/{id}": {"requests": 12, "bytes": ...}, ...}

Token auth as Ray 2.60's middleware (401 without a token, 403 with a wrong one), an
optional per-request latency (a loaded head), a count of requests and bytes by path
(`stats()`, also `GET /sim/stats`), and answers cached per 5 s tick as encoded bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from multidict import MultiDict

from tests.sim import answers_misc, answers_nodes, answers_state, shapes
from tests.sim.cluster import NODE_TICK_S, WORKER_TICK_S, SimModel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON = "application/json"
_ID_PATHS = [(re.compile(r"^/nodes/[^/]+$"), "/nodes/{id}"),
             (re.compile(r"^/api/jobs/[^/]+/logs$"), "/api/jobs/{id}/logs"),
             (re.compile(r"^/api/jobs/[^/]+$"), "/api/jobs/{id}")]


def normalised(path: str) -> str:
    for pattern, name in _ID_PATHS:
        if pattern.match(path) and path != "/api/jobs/":
            return name
    return path


class SimServer:
    """The aiohttp application; one per SimCluster."""

    def __init__(self, model: SimModel, token: str | None, latency_s: float) -> None:
        self.model = model
        self.token = token
        self.latency_s = latency_s
        self.stats: dict[str, dict[str, int]] = {}
        self.stats_lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[Any, ...], bytes]] = {}

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count, self._delay, self._auth])
        app.router.add_get("/sim/stats", self._stats)
        app.router.add_get("/nodes", self._nodes)
        app.router.add_get("/nodes/{node_id}", self._node)
        app.router.add_get("/api/cluster_status", self._cluster_status)
        app.router.add_get("/api/version", self._recorded("version"))
        app.router.add_get("/api/profiling_enabled", self._recorded("profiling_enabled"))
        app.router.add_get("/api/v0/tasks/summarize", self._summarize)
        for resource in ("tasks", "workers", "actors", "nodes"):
            app.router.add_get(f"/api/v0/{resource}", self._lister(resource))
        app.router.add_get("/api/v0/logs", self._logs)
        app.router.add_get("/api/v0/logs/file", self._log_file)
        app.router.add_get("/api/jobs/", self._jobs)
        app.router.add_get("/api/jobs/{job_id}", self._job)
        app.router.add_get("/api/jobs/{job_id}/logs", self._job_logs)
        return app

    # --- middlewares ----------------------------------------------------------------

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.path != "/sim/stats":
            body = response.body if isinstance(response, web.Response) else None
            size = len(body) if isinstance(body, bytes) else 0
            with self.stats_lock:
                entry = self.stats.setdefault(normalised(request.path),
                                              {"requests": 0, "bytes": 0})
                entry["requests"] += 1
                entry["bytes"] += size
        return response

    @web.middleware
    async def _delay(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.latency_s > 0 and request.path != "/sim/stats":
            await asyncio.sleep(self.latency_s)
        return await handler(request)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """As ray/_private/authentication/http_token_authentication.py does."""
        if self.token is None or request.path == "/sim/stats":
            return await handler(request)
        header = (request.headers.get("Authorization")
                  or request.headers.get("X-Ray-Authorization", ""))
        if not header:
            return web.Response(status=401, text="Unauthorized: Missing authentication token")
        if header.removeprefix("Bearer ").strip() != self.token:
            return web.Response(status=403, text="Forbidden: Invalid authentication token")
        return await handler(request)

    # --- caching --------------------------------------------------------------------

    def _cached(self, key: str, stamp: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        with self.model.lock:  # a test thread may be changing the cluster
            data = shapes.encode(build())
        self._cache[key] = (stamp, data)
        return data

    def _stamp(self, *extra: Any) -> tuple[Any, ...]:
        return (self.model.version, self.model.tick(NODE_TICK_S), *extra)

    @staticmethod
    def _json(data: bytes, status: int = 200) -> web.Response:
        return web.Response(body=data, status=status, content_type=JSON, charset="utf-8")

    # --- handlers -------------------------------------------------------------------

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot_stats())

    def snapshot_stats(self) -> dict[str, dict[str, int]]:
        with self.stats_lock:
            return {path: dict(entry) for path, entry in sorted(self.stats.items())}

    def _recorded(self, name: str) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return self._json(json.dumps(shapes.recording(name)).encode())
        return handler

    async def _nodes(self, request: web.Request) -> web.Response:
        if request.query.get("view") != "summary":
            return web.Response(status=400, text=f"Unknown view {request.query.get('view')}")
        return self._json(self._cached("summary", self._stamp(),
                                       lambda: answers_nodes.nodes_summary(self.model)))

    async def _node(self, request: web.Request) -> web.Response:
        node_id = request.match_info["node_id"]
        try:
            node = self.model.node_by_id(node_id)
        except KeyError:
            # as DataOrganizer.get_node_info builds it for a node it has no stats of
            empty = {"raylet": {"objectStoreUsedMemory": 0, "objectStoreAvailableMemory": 0,
                                "stateMessage": None}, "tpus": [], "actors": {}, "workers": []}
            return self._json(json.dumps({"result": True, "msg": "Node details fetched.",
                                          "data": {"detail": empty}}).encode())
        stamp = self._stamp(self.model.tick(WORKER_TICK_S))
        return self._json(self._cached(f"node:{node_id}", stamp,
                                       lambda: answers_nodes.node_detail(self.model, node)))

    async def _cluster_status(self, request: web.Request) -> web.Response:
        return self._json(self._cached("status", self._stamp(),
                                       lambda: answers_nodes.cluster_status(self.model)))

    def _lister(self, resource: str) -> Handler:
        build = {"tasks": answers_state.list_tasks, "workers": answers_state.list_workers,
                 "actors": answers_state.list_actors, "nodes": answers_state.list_nodes}[resource]

        async def handler(request: web.Request) -> web.Response:
            try:
                limit, detail, filters = answers_state.options(request.query)
            except (answers_state.BadRequest, ValueError) as err:
                return self._bad_request(str(err))
            key = f"{resource}:{limit}:{detail}:{filters}"
            try:
                data = self._cached(key, (self.model.version,),  # no per-tick figure
                                    lambda: build(self.model, limit, detail, filters))
            except answers_state.BadRequest as err:
                return self._bad_request(str(err))
            return self._json(data)
        return handler

    def _bad_request(self, message: str) -> web.Response:
        body = {"result": False, "msg": message, "data": {"result": None}}
        return self._json(json.dumps(body).encode(), status=400)

    async def _summarize(self, request: web.Request) -> web.Response:
        try:
            query = MultiDict(request.query)
            query.popall("limit", None)
            _limit, _detail, filters = answers_state.options(query)
        except (answers_state.BadRequest, ValueError) as err:
            return self._bad_request(str(err))
        return self._json(self._cached(f"summary:{filters}", (self.model.version,),
                                       lambda: answers_state.summarize_tasks(self.model, filters)))

    async def _logs(self, request: web.Request) -> web.Response:
        body = answers_misc.log_index(self.model, request.query.get("node_id", ""))
        if body is None:
            return self._bad_request(f"Node {request.query.get('node_id')} is not found.")
        return self._json(json.dumps(body).encode())

    async def _log_file(self, request: web.Request) -> web.Response:
        text = answers_misc.log_file(self.model, dict(request.query))
        if text is None:
            return web.Response(status=404, text="Log file not found.")
        return web.Response(text=text, content_type="text/plain")

    async def _jobs(self, request: web.Request) -> web.Response:
        return self._json(json.dumps(answers_misc.jobs(self.model)).encode())

    async def _job(self, request: web.Request) -> web.Response:
        job_id = request.match_info["job_id"]
        entry = answers_misc.job(self.model, job_id)
        if entry is None:
            return web.Response(status=404, text=f"Job {job_id} does not exist")
        return self._json(json.dumps(entry).encode())

    async def _job_logs(self, request: web.Request) -> web.Response:
        job_id = request.match_info["job_id"]
        logs = answers_misc.job_logs(self.model, job_id)
        if logs is None:
            return web.Response(status=404, text=f"Job {job_id} does not exist")
        return self._json(json.dumps(logs).encode())


class SimCluster:
    """A simulated cluster served on 127.0.0.1 from a background thread (a context manager)."""

    def __init__(self, nodes: int = 10, workers_per_node: int = 16, tasks: int = 1_000,
                 actors: int = 100, gpus_per_node: int = 0, latency_s: float = 0.0,
                 seed: int = 0, *, running_tasks: int | None = None,
                 failed_tasks: int | None = None, dead_actors: int | None = None,
                 cpus_per_node: int = 16, token: str | None = "",
                 port: int = 0) -> None:
        """`token=""` makes a random token; `token=None` serves without auth."""
        self.model = SimModel(nodes, workers_per_node, tasks, actors, gpus_per_node, seed,
                              running_tasks, failed_tasks, dead_actors, cpus_per_node)
        self.token = secrets.token_hex(24) if token == "" else token
        self.server = SimServer(self.model, self.token, latency_s)
        self._port = port
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment raytui needs to reach this cluster."""
        return {"RAY_AUTH_TOKEN": self.token} if self.token else {}

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> SimCluster:
        started = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as err:  # reported to the starting thread
                errors.append(err)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=serve, name="sim-dashboard", daemon=True)
        self._thread.start()
        started.wait(30)
        if errors:
            raise errors[0]
        return self

    async def _open(self) -> None:
        self._runner = web.AppRunner(self.server.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop = self._thread = None

    def __enter__(self) -> SimCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests read and change -------------------------------------------------

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests and response bytes by normalised path, since start or reset_stats()."""
        return self.server.snapshot_stats()

    def reset_stats(self) -> None:
        with self.server.stats_lock:
            self.server.stats.clear()

    def set_latency(self, seconds: float) -> None:
        self.server.latency_s = seconds

    @property
    def node_ids(self) -> list[str]:
        return [n.node_id for n in self.model.nodes]

    def counts(self) -> dict[str, int]:
        return self.model.counts()

    def kill_node(self, node_id: str) -> None:
        self.model.kill_node(node_id)

    def set_gpu_utilization(self, node_id: str, percent: int | None) -> None:
        self.model.set_gpu_utilization(node_id, percent)

    def set_node_cpu(self, node_id: str, percent: float | None) -> None:
        self.model.set_node_cpu(node_id, percent)

    def finish_task(self, index: int, failed: bool = False) -> None:
        self.model.finish_task(index, failed)

    def advance(self, seconds: float) -> None:
        self.model.advance(seconds)
