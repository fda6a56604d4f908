"""Issue 10: what `raytui watch` costs its own machine against a 1,000-node cluster.

`raytui watch --interval 1 --duration 60` against the simulated 1,000-node x 16-worker
cluster (tests/sim, Ray 2.60's JSON, 100,000 tasks; the server in a process of its own,
so it shares neither interpreter nor GIL with the watch), sampled with psutil every
0.5 s: the watch process's CPU from its first printed poll to its end, as % of one core;
its RSS growth after the first 10 s (the highest RSS after that point minus RSS at it);
and when it exits (`--duration` is wall-clock time). Targets: CPU < 10 % of one core,
RSS growth < 20 MB, exit by the duration (plus a moment to leave).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.sim.process import SimProcess

RAYTUI = str(Path(sys.executable).parent / "raytui")
NODES, WORKERS, TASKS = 1000, 16, 100_000
ACTORS = min(10_000, NODES * WORKERS // 2)  # the sim puts each actor on a worker of its own
DURATION_S = 60.0
SETTLE_S = 10.0  # RSS growth is counted from here (start-up and first answers are in)
SAMPLE_S = 0.5
CPU_TARGET_PERCENT = 10.0
RSS_GROWTH_TARGET_MB = 20.0
EXIT_SLACK_S = 3.0  # leaving: the poll thread is abandoned, not awaited


@dataclass
class Sample:
    at: float  # seconds since the watch started
    cpu_s: float  # user + system
    rss: int


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    exited_at: float = 0.0
    returncode: int | None = None


def watch(url: str, token: str) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_AUTH_TOKEN_PATH")}
    env["RAY_AUTH_TOKEN"] = token
    run = Run()
    started = time.monotonic()
    process = subprocess.Popen(
        [RAYTUI, "watch", "--interval", "1", "--duration", f"{DURATION_S:g}", "--address", url],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
        env=env)
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:  # drained as it comes: a full pipe would stall the watch
        for line in stdout:
            run.lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    watched = psutil.Process(process.pid)
    try:
        while process.poll() is None:
            try:
                with watched.oneshot():
                    times, rss = watched.cpu_times(), watched.memory_info().rss
            except psutil.Error:  # it ended between poll() and the reading
                break
            if rss:  # 0: the process is leaving, its memory already given back
                run.samples.append(Sample(time.monotonic() - started,
                                          times.user + times.system, rss))
            time.sleep(SAMPLE_S)
        run.returncode = process.wait(timeout=30)
        run.exited_at = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        stdout.close()
    return run


def figures(run: Run) -> dict[str, float]:
    polls = [at for at, line in run.lines if line[:2].isdigit() and line[2:3] == ":"]
    if not polls or len(run.samples) < 2:
        raise RuntimeError(f"raytui watch printed no poll (exit {run.returncode}): "
                           + " | ".join(line for _, line in run.lines[-5:]))
    first_poll = polls[0]
    steady = [s for s in run.samples if s.at >= first_poll]
    begin, end = steady[0], steady[-1]
    settled = [s for s in run.samples if s.at >= SETTLE_S]
    base = settled[0].rss if settled else end.rss
    return {
        "first_poll_s": first_poll,
        "polls": len(polls),
        "cpu_percent": 100 * (end.cpu_s - begin.cpu_s) / max(1e-9, end.at - begin.at),
        "cpu_percent_all": 100 * end.cpu_s / max(1e-9, end.at),
        "rss_at_settle_mb": base / 1e6,
        "rss_end_mb": end.rss / 1e6,
        "rss_growth_mb": (max(s.rss for s in settled) - base) / 1e6 if settled else 0.0,
        "exited_at_s": run.exited_at,
        "errors": sum(1 for _, line in run.lines if line.lstrip().startswith("error:")),
    }


def main() -> int:
    print(f"simulated cluster: {NODES} nodes x {WORKERS} workers, {TASKS:,} tasks, "
          f"{ACTORS:,} actors, in its own process", flush=True)
    with SimProcess(nodes=NODES, workers=WORKERS, tasks=TASKS, actors=ACTORS) as sim:
        run = watch(sim.url, sim.token)
        requests = sum(path["requests"] for path in sim.stats().values())
    f = figures(run)
    cores = os.cpu_count() or 1
    cpu_ok = f["cpu_percent"] < CPU_TARGET_PERCENT
    rss_ok = f["rss_growth_mb"] < RSS_GROWTH_TARGET_MB
    on_time = run.exited_at <= DURATION_S + EXIT_SLACK_S and run.returncode == 0
    print(f"`raytui watch --interval 1 --duration {DURATION_S:g}`: first poll printed at "
          f"{f['first_poll_s']:.1f} s, {f['polls']:.0f} polls printed, {f['errors']:.0f} error "
          f"lines; {requests / max(1.0, f['exited_at_s']):.1f} requests/s to the head", flush=True)
    print(f"  CPU from the first poll to the end: {f['cpu_percent']:.1f}% of one core "
          f"(with start-up: {f['cpu_percent_all']:.1f}%; {cores} cores, 1-min load average "
          f"{os.getloadavg()[0]:.1f}); target < {CPU_TARGET_PERCENT:g}%: "
          f"{'met' if cpu_ok else 'NOT met'}", flush=True)
    print(f"  RSS at {SETTLE_S:g} s {f['rss_at_settle_mb']:.0f} MB, at the end "
          f"{f['rss_end_mb']:.0f} MB, growth after {SETTLE_S:g} s (highest minus at "
          f"{SETTLE_S:g} s) {f['rss_growth_mb']:.1f} MB; target < {RSS_GROWTH_TARGET_MB:g} MB: "
          f"{'met' if rss_ok else 'NOT met'}", flush=True)
    print(f"  exited at {run.exited_at:.1f} s (exit {run.returncode}) for --duration "
          f"{DURATION_S:g}: {'on time' if on_time else 'LATE or failed'} (wall-clock, "
          f"within {EXIT_SLACK_S:g} s)", flush=True)
    return 0 if cpu_ok and rss_ok and on_time else 1


if __name__ == "__main__":
    raise SystemExit(main())
