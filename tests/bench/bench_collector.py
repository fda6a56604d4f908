"""Issue 3: what a poll costs, and what a watching monitor costs the workload.

1. One poll on a cluster holding 10,000 finished tasks and 200 live actors: median
   collect time, beside `ray list tasks --limit 10000` on the same cluster.
   Target: the poll is not slower, and under 300 ms. Measured twice with one
   long-lived collector, as `raytui` polls: with the cluster idle (the collector
   then skips the running-task scan), and with two tasks running (it asks).
2. Monitor overhead: the Fibonacci fan-out timed with `raytui watch --interval 1`
   attached and without it, alternating in one run. Target: ratio <= 1.03.
3. Scale (`scale`): polls every 1 s against the simulated cluster (tests/sim, Ray
   2.60's JSON) at 10, 100 and 1,000 nodes x 16 workers, 100,000 tasks: median and max
   poll, requests and bytes per poll by path; then 1,000 nodes with 50 ms latency per
   request: every poll's fetch round ends by its deadline. Targets: median < 300 ms,
   requests per poll independent of the node count beyond the budget.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import ray
from ray.actor import ActorHandle

from tui.core.collector import SOFT_WAIT_S, Collector
from tui.core.connection import ClusterAddress, RayConnection
from tui.core.model import Snapshot
from workloads import fibonacci

FINISHED_TASKS = 10_000
LIVE_ACTORS = int(os.environ.get("RAYTUI_BENCH_ACTORS", "200"))
POLLS = 15
CLI_RUNS = 3
OVERHEAD_ROUNDS = 15  # pairs: one run swings by +-10 % on this shared machine
POLL_TARGET_MS = 300.0
OVERHEAD_TARGET = 1.03
RAYTUI = str(Path(sys.executable).parent / "raytui")


@ray.remote(num_cpus=0)
def nothing() -> None:
    return None


@ray.remote(num_cpus=1)
def nap(seconds: float) -> None:
    time.sleep(seconds)


@ray.remote(num_cpus=0)
class Idle:
    def ready(self) -> bool:
        return True


def fill_cluster() -> list[ActorHandle[Any]]:
    for start in range(0, FINISHED_TASKS, 1000):
        ray.get([nothing.remote() for _ in range(min(1000, FINISHED_TASKS - start))])
    actors = []
    for start in range(0, LIVE_ACTORS, 20):  # batches: worker start-up is the bottleneck
        batch = [Idle.remote() for _ in range(min(20, LIVE_ACTORS - start))]  # type: ignore[attr-defined]
        ray.get([a.ready.remote() for a in batch])
        actors += batch
    return actors


def time_polls(collector: Collector) -> tuple[float, float, Snapshot]:
    times = []
    for _ in range(POLLS):
        start = time.perf_counter()
        snapshot = collector.poll_once()
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(0.2)
    return statistics.median(times), max(times), snapshot


def time_poll(connection: RayConnection) -> tuple[tuple[float, float, Snapshot],
                                                  tuple[float, float, Snapshot],
                                                  tuple[float, float, int, int]]:
    """(median ms, max ms, last snapshot) idle, then with two tasks running; then the
    polls while task summaries come and go."""
    with Collector(connection, timeout_s=10.0) as collector:
        for _ in range(3):  # primes psutil, the HTTP session and the reused answers
            collector.poll_once()
            time.sleep(0.2)
        idle = time_polls(collector)
        naps = [nap.remote(60.0) for _ in range(2)]
        busy_snapshot = collector.poll_once()
        while len(busy_snapshot.tasks.running) < 2:
            time.sleep(0.2)
            busy_snapshot = collector.poll_once()
        busy = time_polls(collector)
        summary = polls_through_summaries(collector)
        for ref in naps:
            ray.cancel(ref, force=True)
    return idle, busy, summary


def polls_through_summaries(collector: Collector, seconds: float = 50.0,
                            ) -> tuple[float, float, int, int]:
    """Poll every second while tasks run, long enough for a task summary to come round
    (it takes Ray seconds at this size and meanwhile its state server answers slowly):
    (median ms, max ms, polls, polls that took over 1.5 s)."""
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        collector.poll_once()
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(max(0.0, 1.0 - times[-1] / 1000))
    return statistics.median(times), max(times), len(times), sum(t > 1500 for t in times)


def time_ray_list(connection: RayConnection) -> float:
    env = dict(os.environ, RAY_AUTH_MODE="token")
    cli = str(Path(sys.executable).parent / "ray")
    times = []
    for _ in range(CLI_RUNS):
        start = time.perf_counter()
        result = subprocess.run([cli, "list", "tasks", "--limit", "10000", "--address",
                                 connection.dashboard_url, "--format", "json"],
                                capture_output=True, text=True, env=env, timeout=300)
        times.append((time.perf_counter() - start) * 1000)
        if result.returncode != 0:
            raise RuntimeError(f"ray list tasks failed: {result.stderr.strip()[-300:]}")
    return statistics.median(times)


def bench_poll() -> bool:
    with RayConnection(ClusterAddress("local"), num_cpus=2) as connection:
        started = time.perf_counter()
        actors = fill_cluster()
        print(f"cluster filled: {FINISHED_TASKS} finished tasks, {len(actors)} live actors "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
        # let the start-up storm of 200 worker processes pass (task events also need ~1 s)
        time.sleep(20)
        (median_ms, max_ms, snapshot), (busy_ms, busy_max_ms, busy), summary = \
            time_poll(connection)
        cli_ms = time_ray_list(connection)
        finished = snapshot.tasks.by_state.get("FINISHED", 0)
        alive = sum(1 for a in snapshot.actors if a.state == "ALIVE")
        errors = snapshot.status.errors + busy.status.errors
        worst = max(median_ms, busy_ms)
        ok = worst <= cli_ms and worst < POLL_TARGET_MS and not errors
        load = os.getloadavg()[0]
        print(f"poll, idle cluster: median {median_ms:.0f} ms (max {max_ms:.0f}) over {POLLS} "
              f"polls, seeing {finished} finished tasks, {alive} alive actors, "
              f"{len(snapshot.workers)} workers", flush=True)
        print(f"poll, 2 tasks running: median {busy_ms:.0f} ms (max {busy_max_ms:.0f}), "
              f"seeing {len(busy.tasks.running)} running tasks; 1-min load average {load:.1f} "
              f"on {os.cpu_count()} cores{', errors: ' + '; '.join(errors) if errors else ''}",
              flush=True)
        print(f"polls every 1 s through task summaries: median {summary[0]:.0f} ms, max "
              f"{summary[1]:.0f} ms, {summary[3]} of {summary[2]} polls over 1.5 s (a poll "
              f"waits at most {SOFT_WAIT_S:g} s for a source that answered before)", flush=True)
        print(f"`ray list tasks --limit 10000`: median {cli_ms:.0f} ms over {CLI_RUNS} runs",
              flush=True)
        print(f"slower poll / ray list = {worst / cli_ms:.2f}; target: poll not slower and "
              f"< {POLL_TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}", flush=True)
        for actor in actors:
            ray.kill(actor)
    return ok


def start_watch(gcs_address: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    watch = subprocess.Popen([RAYTUI, "watch", "--jsonl", "--interval", "1", "--address",
                              gcs_address], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, env=env)
    assert watch.stdout is not None
    watch.stdout.readline()  # attached and polling
    return watch


def stop_watch(watch: subprocess.Popen[str]) -> None:
    watch.terminate()
    watch.communicate(timeout=60)


def bench_overhead() -> bool:
    cores = os.cpu_count() or 1
    count = 4 * cores
    with RayConnection(ClusterAddress("local")) as connection:
        assert connection.gcs_address
        fibonacci.warm_up(cores)
        fibonacci.time_remote(fibonacci.DEFAULT_SIZE, cores)
        without, with_watch, watch_cpu = [], [], []
        for _ in range(OVERHEAD_ROUNDS):  # pairs side by side, so machine noise hits both
            without.append(fibonacci.time_remote(fibonacci.DEFAULT_SIZE, count))
            watch = start_watch(connection.gcs_address)
            try:
                time.sleep(1.5)  # a couple of polls in: steady state, start-up cost paid
                before = sum(psutil.Process(watch.pid).cpu_times()[:2])
                with_watch.append(fibonacci.time_remote(fibonacci.DEFAULT_SIZE, count))
                watch_cpu.append((sum(psutil.Process(watch.pid).cpu_times()[:2]) - before)
                                 / with_watch[-1])
            finally:
                stop_watch(watch)
    # The median of the per-pair ratios: colleagues' load on this shared machine drifts
    # over a minute, and a pair measured back to back sees the same drift.
    ratios = [w / b for w, b in zip(with_watch, without, strict=True)]
    ratio = statistics.median(ratios)
    ok = ratio <= OVERHEAD_TARGET
    print(f"fan-out of {count} x size {fibonacci.DEFAULT_SIZE}: without monitor "
          f"{statistics.median(without):.2f} s, with `raytui watch --interval 1` "
          f"{statistics.median(with_watch):.2f} s (medians of {OVERHEAD_ROUNDS}); "
          f"median paired ratio {ratio:.3f} (best runs: {min(with_watch) / min(without):.3f}), "
          f"target <= {OVERHEAD_TARGET}: {'met' if ok else 'NOT met'}", flush=True)
    print(f"  runs without: {' '.join(f'{t:.2f}' for t in without)}; "
          f"with: {' '.join(f'{t:.2f}' for t in with_watch)}", flush=True)
    print(f"  the watch process itself used {100 * statistics.median(watch_cpu):.1f}% of one "
          f"core during the runs ({100 * statistics.median(watch_cpu) / cores:.1f}% of the "
          f"machine), plus what its requests cost Ray's dashboard", flush=True)
    return ok


SCALE_NODES = (10, 100, 1000)
SCALE_POLLS = 15


def scale_polls(nodes: int, latency_s: float = 0.0) -> dict[str, object]:
    from tests.sim.process import SimProcess
    from tui.core.poll import plan

    actors = min(10_000, nodes * 16 // 2)  # the sim puts each actor on a worker of its own
    with SimProcess(nodes=nodes, workers=16, tasks=100_000, actors=actors,
                    latency_s=latency_s) as sim:
        os.environ["RAY_AUTH_TOKEN"] = sim.token
        connection = RayConnection(ClusterAddress("dashboard", sim.url))
        connection.dashboard_url = sim.url
        with Collector(connection, psutil_node_ids=set()) as collector:
            for _ in range(2):  # the first answers, the HTTP sessions
                collector.poll_once()
                time.sleep(0.5)
            before = sim.stats()
            times, collect, rounds = [], [], []
            for _ in range(SCALE_POLLS):
                start = time.perf_counter()
                snapshot = collector.poll_once()
                times.append((time.perf_counter() - start) * 1000)
                collect.append(snapshot.status.poll_ms)
                rounds.append(collector.last_round_s)
                time.sleep(max(0.0, 1.0 - times[-1] / 1000))
            after = sim.stats()
            bound = collector.node_refresh_bound_s()
            deadline = collector.deadline_s
        os.environ.pop("RAY_AUTH_TOKEN", None)
    per_path = {path: ((after[path]["requests"] - before.get(path, {}).get("requests", 0))
                       / SCALE_POLLS,
                       (after[path]["bytes"] - before.get(path, {}).get("bytes", 0))
                       / SCALE_POLLS)
                for path in after}
    return {"nodes": nodes, "workers": len(snapshot.workers), "median": statistics.median(times),
            "max": max(times), "collect_median": statistics.median(collect),
            "worst_round": max(rounds), "deadline": deadline, "per_path": per_path,
            "bound": bound, "budget": plan.NODE_DETAIL_BUDGET,
            "errors": snapshot.status.errors}


def bench_scale() -> bool:
    ok = True
    requests_per_poll = {}
    for nodes in SCALE_NODES:
        r = scale_polls(nodes)
        per_path: dict[str, tuple[float, float]] = r["per_path"]  # type: ignore[assignment]
        total_requests = sum(n for n, _ in per_path.values())
        requests_per_poll[nodes] = total_requests - per_path.get("/nodes/{id}", (0, 0))[0]
        print(f"{nodes} nodes x 16 workers ({r['workers']} workers in the snapshot): poll "
              f"median {r['median']:.0f} ms (collect {r['collect_median']:.0f} ms), max "
              f"{r['max']:.0f} ms over {SCALE_POLLS} polls at 1 s; {total_requests:.1f} "
              f"requests/poll; node figures at most {r['bound']:.0f} s old"
              f"{'; errors: ' + '; '.join(r['errors']) if r['errors'] else ''}",  # type: ignore[arg-type]
              flush=True)
        for path, (count, size) in sorted(per_path.items()):
            print(f"    {path}: {count:.2f} requests, {size / 1e6:.2f} MB per poll", flush=True)
        ok = ok and r["median"] < POLL_TARGET_MS  # type: ignore[operator]
        ok = ok and per_path.get("/nodes/{id}", (0, 0))[0] <= r["budget"]  # type: ignore[operator]
    slow = scale_polls(1000, latency_s=0.05)
    in_time = slow["worst_round"] <= slow["deadline"]  # type: ignore[operator]
    print(f"1,000 nodes, 50 ms per request: median {slow['median']:.0f} ms, max "
          f"{slow['max']:.0f} ms; longest fetch round {slow['worst_round']:.2f} s, deadline "
          f"{slow['deadline']:.2f} s: {'ended by its deadline' if in_time else 'PAST its deadline'}",
          flush=True)
    flat = max(requests_per_poll.values()) - min(requests_per_poll.values())
    print(f"requests/poll beside the per-node budget: "
          f"{', '.join(f'{n} nodes {v:.1f}' for n, v in requests_per_poll.items())} "
          f"(spread {flat:.1f}); target median < {POLL_TARGET_MS:.0f} ms: "
          f"{'met' if ok else 'NOT met'}", flush=True)
    return ok and in_time


def main(parts: tuple[str, ...] = ("overhead", "poll", "scale")) -> int:
    """`python -m tests.bench.bench_collector [overhead] [poll] [scale]` runs some parts."""
    # overhead first: the 200-actor cluster leaves the machine busy for a while
    overhead_ok = bench_overhead() if "overhead" in parts else True
    poll_ok = bench_poll() if "poll" in parts else True
    scale_ok = bench_scale() if "scale" in parts else True
    return 0 if poll_ok and overhead_ok and scale_ok else 1


if __name__ == "__main__":
    raise SystemExit(main(tuple(sys.argv[1:]) or ("overhead", "poll", "scale")))
