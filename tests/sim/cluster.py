"""The simulated cluster's state: nodes, workers, actors, tasks and GPUs, from a seed.

Everything is deterministic for a given seed and clock. Figures move the way Ray's own
agents make them move: node figures (CPU, memory, GPU) change once per 5 s tick
(`REPORTER_UPDATE_INTERVAL_MS`), per-worker figures in `/nodes/{id}` once per 15 s.
Tests change the state through `kill_node`, `set_gpu_utilization`, `finish_task`...
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field

NODE_TICK_S = 5.0
WORKER_TICK_S = 15.0
JOB_ID = "01000000"
NIL_ACTOR = "f" * 32
FUNCTIONS = ("fibonacci", "load_station", "reduce_block", "score_batch", "train_step")
ACTOR_CLASSES = ("StationReader", "ParameterServer", "Aggregator")
NAMED_ACTORS = 3  # the first actors are named (as `ray.get_actor` users do), the rest not
GIB = 1024 ** 3


@dataclass
class SimWorker:
    worker_id: str
    pid: int
    node: int
    worker_type: str = "WORKER"  # or DRIVER
    alive: bool = True
    actor: int | None = None  # index into SimModel.actors
    task: int | None = None  # index of the running task
    start_ms: int = 0
    end_ms: int = 0


@dataclass
class SimGpu:
    index: int
    uuid: str
    utilization: int | None = None  # set by a test; else derived from the tick
    memory_total_mb: int = 81_920


@dataclass
class SimNode:
    index: int
    node_id: str
    ip: str
    is_head: bool
    cpus: int
    memory_total: int
    start_ms: int
    agent_pids: tuple[int, int]  # dashboard agent, runtime env agent
    raylet_pid: int
    state: str = "ALIVE"
    end_ms: int = 0
    workers: list[SimWorker] = field(default_factory=list)
    gpus: list[SimGpu] = field(default_factory=list)
    cpu_override: float | None = None


@dataclass
class SimActor:
    actor_id: str
    class_name: str
    name: str
    node: int
    pid: int
    worker_id: str
    state: str = "ALIVE"
    start_ms: int = 0
    end_ms: int = 0
    death_message: str = ""


@dataclass
class SimTasks:
    """Tasks as parallel lists (100,000 of them are cheap this way); index = age order."""

    ids: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    funcs: list[str] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    created_ms: list[int] = field(default_factory=list)
    ended_ms: list[int] = field(default_factory=list)
    types: list[str] = field(default_factory=list)  # NORMAL_TASK or ACTOR_CREATION_TASK
    actor_ids: list[str | None] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # the GCS's reply order, see gcs_order


class SimModel:
    def __init__(self, nodes: int, workers_per_node: int, tasks: int, actors: int,
                 gpus_per_node: int, seed: int, running_tasks: int | None = None,
                 failed_tasks: int | None = None, dead_actors: int | None = None,
                 cpus_per_node: int = 16) -> None:
        if nodes < 1 or workers_per_node < 0:
            raise ValueError("a cluster needs at least one node")
        self.lock = threading.RLock()
        self.seed = seed
        self._rng = random.Random(seed)
        self.version = 0  # bumped by every change, so cached answers are rebuilt
        self.t0 = time.time()
        self.clock_offset_s = 0.0
        base_ms = int(self.t0 * 1000)
        self.base_ms = base_ms
        self._next_pid = 10_000
        self.nodes: list[SimNode] = []
        for i in range(nodes):
            node = SimNode(i, self._hex(28), f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                           i == 0, cpus_per_node, 64 * GIB, base_ms - 3_600_000 + i,
                           (self._pid(), self._pid()), self._pid())
            node.gpus = [SimGpu(g, f"GPU-{self._uuid()}") for g in range(gpus_per_node)]
            self.nodes.append(node)
        slots = nodes * workers_per_node
        dead = actors // 10 if dead_actors is None else dead_actors
        alive_actors = actors - dead
        if alive_actors > slots:
            raise ValueError(f"{alive_actors} alive actors do not fit in {slots} workers")
        driver = SimWorker(JOB_ID + "f" * 48, self._pid(), 0, "DRIVER", start_ms=base_ms)
        self.nodes[0].workers.append(driver)
        self.dead_workers: list[SimWorker] = []
        for i in range(nodes):
            for _ in range(workers_per_node):
                self.nodes[i].workers.append(SimWorker(self._hex(28), self._pid(), i,
                                                       start_ms=base_ms - 600_000))
        self.actors: list[SimActor] = []
        free = [[w for w in n.workers if w.worker_type == "WORKER"] for n in self.nodes]
        for a in range(actors):
            home = a % nodes
            cls = ACTOR_CLASSES[a % len(ACTOR_CLASSES)]
            if a < alive_actors:
                worker = free[home].pop()
                worker.actor = a
                name = f"{cls.lower()}-{a}" if a < NAMED_ACTORS else ""
                actor = SimActor(self._hex(12) + JOB_ID, cls, name, home,
                                 worker.pid, worker.worker_id, start_ms=base_ms - 500_000)
            else:
                gone = SimWorker(self._hex(28), self._pid(), home, alive=False, actor=a,
                                 start_ms=base_ms - 900_000, end_ms=base_ms - 800_000)
                self.dead_workers.append(gone)
                actor = SimActor(self._hex(12) + JOB_ID, cls, "", home, gone.pid,
                                 gone.worker_id, "DEAD", base_ms - 900_000, base_ms - 800_000,
                                 "The actor is dead because it was killed by `ray.kill`.")
            self.actors.append(actor)
        # running tasks are spread over the nodes round-robin, as a scheduler would
        idle = [ws[k] for k in range(max(map(len, free), default=0)) for ws in free
                if k < len(ws)]
        # by default half the free workers run a task (1,000 x 16 with 2,000 actors: ~7,000)
        running = min(tasks, len(idle) // 2) if running_tasks is None else running_tasks
        if running > len(idle) or running > tasks:
            raise ValueError(f"{running} running tasks need {running} free workers")
        failed = max(1, tasks // 100) if failed_tasks is None else failed_tasks
        failed = min(failed, tasks - running)
        self.tasks = SimTasks()
        self._make_tasks(tasks, running, failed, idle)

    # --- ids --------------------------------------------------------------------

    def _hex(self, nbytes: int) -> str:
        return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def _uuid(self) -> str:
        h = self._hex(16)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _pid(self) -> int:
        self._next_pid += 1
        return self._next_pid

    def _make_tasks(self, count: int, running: int, failed: int, idle: list[SimWorker]) -> None:
        t = self.tasks
        terminated = count - running
        fail_every = terminated // failed if failed else 0
        n_nodes = len(self.nodes)
        for i in range(count):
            t.ids.append(self._hex(8) + "f" * 24 + JOB_ID)
            t.funcs.append(FUNCTIONS[i % len(FUNCTIONS)])
            t.types.append("NORMAL_TASK")
            t.actor_ids.append(None)
            t.created_ms.append(self.base_ms - (count - i) * 20)
            if i >= terminated:
                worker = idle[i - terminated]
                worker.task = i
                t.states.append("RUNNING")
                t.nodes.append(worker.node)
                t.workers.append(worker.worker_id)
                t.pids.append(worker.pid)
                t.ended_ms.append(0)
                continue
            is_failed = fail_every and i % fail_every == fail_every - 1 and failed > 0
            t.states.append("FAILED" if is_failed else "FINISHED")
            failed -= 1 if is_failed else 0
            node = self.nodes[i % n_nodes]
            worker = node.workers[-1] if node.workers else self.nodes[0].workers[0]
            t.nodes.append(node.index)
            t.workers.append(worker.worker_id)
            t.pids.append(worker.pid)
            t.ended_ms.append(t.created_ms[i] + 15)
        by_id = {w.worker_id: w for w in self.all_workers()}
        for actor in self.actors:  # each actor's creation task, FINISHED once it started
            worker = by_id[actor.worker_id]
            t.ids.append(self._hex(8) + actor.actor_id[:24] + JOB_ID)
            t.funcs.append(f"{actor.name}:{actor.class_name}.__init__" if actor.name
                           else f"{actor.class_name}.__init__")
            t.types.append("ACTOR_CREATION_TASK")
            t.actor_ids.append(actor.actor_id)
            t.created_ms.append(actor.start_ms - 50)
            t.ended_ms.append(actor.start_ms)
            t.states.append("FINISHED")
            t.nodes.append(actor.node)
            t.workers.append(worker.worker_id)
            t.pids.append(worker.pid)
        self._reorder()

    def _reorder(self) -> None:
        """The GCS answers terminated tasks newest first, then running ones newest first.

        Ray 2.60's GcsTaskManagerStorage keeps tasks in priority lists (finished tasks
        lowest, evicted first) and HandleGetTaskEvents walks them from the lowest
        priority, newest first; the 10,000-row cut is applied on that order.
        """
        t = self.tasks
        done = [i for i, s in enumerate(t.states) if s in ("FINISHED", "FAILED")]
        live = [i for i, s in enumerate(t.states) if s not in ("FINISHED", "FAILED")]
        done.sort(key=lambda i: t.ended_ms[i], reverse=True)
        live.sort(key=lambda i: t.created_ms[i], reverse=True)
        t.order = done + live

    # --- time ---------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def tick(self, period_s: float) -> int:
        return int((self.now() - self.t0) // period_s)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock (figures change on the next 5 s / 15 s boundary)."""
        with self.lock:
            self.clock_offset_s += seconds

    # --- figures ------------------------------------------------------------------

    def noise(self, *key: object) -> float:
        digest = hashlib.blake2b(repr((self.seed, *key)).encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big") / 2 ** 32

    def node_cpu_percent(self, node: SimNode) -> float:
        if node.cpu_override is not None:
            return node.cpu_override
        busy = sum(1 for w in node.workers if w.task is not None)
        base = 100.0 * busy / max(1, node.cpus)
        return round(min(100.0, base + 5 * self.noise("cpu", node.index, self.tick(NODE_TICK_S))), 1)

    def node_memory_used(self, node: SimNode) -> int:
        frac = 0.2 + 0.3 * self.noise("mem", node.index, self.tick(NODE_TICK_S))
        return int(node.memory_total * frac)

    def worker_cpu_percent(self, worker: SimWorker) -> float:
        tick = self.tick(WORKER_TICK_S)
        if worker.task is not None:
            return round(85 + 15 * self.noise("wcpu", worker.pid, tick), 1)
        if worker.actor is not None:
            return round(20 * self.noise("wcpu", worker.pid, tick), 1)
        return round(1.5 * self.noise("wcpu", worker.pid, tick), 1)

    def worker_rss(self, worker: SimWorker) -> int:
        return int((80 + 200 * self.noise("rss", worker.pid, self.tick(WORKER_TICK_S))) * 2**20)

    def gpu_utilization(self, node: SimNode, gpu: SimGpu) -> int:
        if gpu.utilization is not None:
            return gpu.utilization
        return int(100 * self.noise("gpu", node.index, gpu.index, self.tick(NODE_TICK_S)))

    def gpu_worker(self, node: SimNode, gpu: SimGpu) -> SimWorker | None:
        """The worker using a GPU: the node's busy workers, one per GPU, in order."""
        busy = [w for w in node.workers if w.task is not None or w.actor is not None]
        return busy[gpu.index] if gpu.index < len(busy) else None

    # --- changes for tests --------------------------------------------------------

    def node_by_id(self, node_id: str) -> SimNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(node_id)

    def kill_node(self, node_id: str) -> None:
        """The node dies: DEAD with an end time, its workers and actors gone, its tasks FAILED."""
        with self.lock:
            node = self.node_by_id(node_id)
            now_ms = int(self.now() * 1000)
            node.state, node.end_ms = "DEAD", now_ms
            for worker in node.workers:
                worker.alive, worker.end_ms = False, now_ms
                if worker.task is not None:
                    self.tasks.states[worker.task] = "FAILED"
                    self.tasks.ended_ms[worker.task] = now_ms
                    worker.task = None
                if worker.actor is not None and self.actors[worker.actor].state == "ALIVE":
                    actor = self.actors[worker.actor]
                    actor.state, actor.end_ms = "DEAD", now_ms
                    actor.death_message = "The actor died because its node has died."
            self.dead_workers.extend(node.workers)
            node.workers = []
            self._reorder()
            self.version += 1

    def set_gpu_utilization(self, node_id: str, percent: int | None) -> None:
        with self.lock:
            for gpu in self.node_by_id(node_id).gpus:
                gpu.utilization = percent
            self.version += 1

    def set_node_cpu(self, node_id: str, percent: float | None) -> None:
        with self.lock:
            self.node_by_id(node_id).cpu_override = percent
            self.version += 1

    def finish_task(self, index: int, failed: bool = False) -> None:
        """A running task ends; its worker becomes idle."""
        with self.lock:
            t = self.tasks
            t.states[index] = "FAILED" if failed else "FINISHED"
            t.ended_ms[index] = int(self.now() * 1000)
            for node in self.nodes:
                for worker in node.workers:
                    if worker.task == index:
                        worker.task = None
            self._reorder()
            self.version += 1

    # --- views --------------------------------------------------------------------

    def all_workers(self) -> list[SimWorker]:
        """The GCS worker table: every worker and driver ever registered, dead ones too."""
        return [w for n in self.nodes for w in n.workers] + self.dead_workers

    def counts(self) -> dict[str, int]:
        states: dict[str, int] = {}
        for state in self.tasks.states:
            states[state] = states.get(state, 0) + 1
        return {"nodes": len(self.nodes),
                "alive_workers": sum(1 for w in self.all_workers() if w.alive),
                "alive_actors": sum(1 for a in self.actors if a.state == "ALIVE"),
                **{f"tasks_{k.lower()}": v for k, v in states.items()}}
