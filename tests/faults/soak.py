"""`make soak`: `raytui watch --interval 0.5` for MINUTES under continuous task churn
and actors created and killed, against a real head of its own. Prints the figures and
exits 1 when one misses its bound:

- RSS growth of the watch process after minute 1: under 20 MB
- open file descriptors after minute 1: flat (max - min <= 5)
- no poll that is not "connected" (the cluster is up all along)
- task counts never older than 30 s
- at 20 minutes, at least 50,000 tasks (pro rata for a shorter run); the churn runs
  at --tasks-per-s (default 60/s)

    python -m tests.faults.soak --minutes 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from tests.conftest import RAYTUI, REPO
from tests.faults.cluster import RayHead

CHURN = """
import os, sys, threading, time, ray
ray.init(address=sys.argv[1])
out = sys.argv[2]

@ray.remote(num_cpus=0.5)
def tiny(i):
    return i

@ray.remote(num_cpus=0)
class Counter:
    def bump(self, n):
        return n + 1

tasks = actors = 0
stop = False
def on_term(*_):
    global stop
    stop = True
import signal; signal.signal(signal.SIGTERM, on_term)

# Actors on a thread of their own: starting their worker processes takes seconds on a
# busy machine, and the task stream must not wait for them (it did: 19 tasks/s of 60).
def churn_actors():
    global actors
    while not stop:
        made = [Counter.remote() for _ in range(3)]
        ray.get([a.bump.remote(1) for a in made])
        for a in made:
            ray.kill(a)
        actors += 3
        time.sleep(3)

threading.Thread(target=churn_actors, daemon=True).start()
rate = float(sys.argv[3])
started = time.monotonic()
in_flight = []
while not stop:
    batch = [tiny.remote(i) for i in range(50)]  # submitted while the last one runs
    ray.get(in_flight)
    tasks += len(in_flight)
    in_flight = batch
    time.sleep(max(0.0, started + (tasks + 50) / rate - time.monotonic()))
    with open(out + ".tmp", "w") as f:
        f.write(f"{tasks} {actors}")
    os.replace(out + ".tmp", out)
"""


def soak(minutes: float, tasks_per_s: float = 60.0) -> int:
    duration = minutes * 60
    keep = Path(tempfile.mkdtemp(prefix="raytui-soak-"))  # outlives the head's temp dir
    counts_file, churn_log = keep / "churn-counts", keep / "churn.log"
    with RayHead(num_cpus=2) as head:
        with churn_log.open("w") as log:
            churn = subprocess.Popen([sys.executable, "-c", CHURN, head.gcs_address,
                                      str(counts_file), f"{tasks_per_s:g}"],
                                     env={**os.environ, "RAY_AUTH_MODE": "token"},
                                     stdout=log, stderr=subprocess.STDOUT)
        time.sleep(5)  # the churn is running before the watch starts
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        watch = subprocess.Popen([RAYTUI, "watch", "--jsonl", "--interval", "0.5", "--address",
                                  head.gcs_address, "--duration", f"{duration:g}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env, cwd=REPO)
        started = time.monotonic()
        phases: dict[str, int] = {}
        worst_counts_age = 0.0
        counts_ages: list[float] = []
        summary_errors = 0  # polls that said the task summary failed or is late
        polls = 0
        lock = threading.Lock()

        def read() -> None:
            nonlocal worst_counts_age, polls, summary_errors
            assert watch.stdout is not None
            for line in watch.stdout:
                data = json.loads(line)
                if data.get("type", "snapshot") != "snapshot":
                    continue  # an event line
                status = data["status"]
                with lock:
                    polls += 1
                    phase = status.get("phase") or ("connected" if status["connected"] else "down")
                    phases[phase] = phases.get(phase, 0) + 1
                    summary_errors += any(e.startswith("task summary")
                                          for e in status.get("errors", []))
                    if time.monotonic() - started > 30:  # counts exist after the first ones
                        counts_ages.append(data["tasks"]["counts_age_s"])
                        worst_counts_age = max(worst_counts_age, data["tasks"]["counts_age_s"])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        process = psutil.Process(watch.pid)
        samples: list[tuple[float, int, int]] = []  # seconds, rss, fds
        try:
            while watch.poll() is None:
                try:
                    samples.append((time.monotonic() - started, process.memory_info().rss,
                                    process.num_fds()))
                except psutil.NoSuchProcess:
                    break
                time.sleep(5)
            watch.wait(60)
        finally:
            churn.send_signal(signal.SIGTERM)
            try:
                churn.wait(30)
            except subprocess.TimeoutExpired:
                churn.kill()
            if watch.poll() is None:
                watch.kill()
        reader.join(10)
        stderr = watch.stderr.read() if watch.stderr else ""
        churn_tail = churn_log.read_text(errors="replace").strip().splitlines()[-3:]
    tasks, actors = (int(v) for v in counts_file.read_text().split()) if counts_file.exists() \
        else (0, 0)
    shutil.rmtree(keep, ignore_errors=True)
    after_1 = [s for s in samples if s[0] >= 60] or samples[-1:]
    rss_growth = (max(s[1] for s in after_1) - after_1[0][1]) / 2**20
    fds = [s[2] for s in after_1]
    not_connected = sum(n for p, n in phases.items() if p != "connected")
    want_tasks = 50_000 * minutes / 20
    figures = [
        ("minutes", f"{minutes:g}", True),
        ("watch exit code", str(watch.returncode), watch.returncode == 0),
        ("polls", str(polls), polls > 0),
        ("RSS at minute 1 -> max after (MB)",
         f"{after_1[0][1] / 2**20:.1f} -> {max(s[1] for s in after_1) / 2**20:.1f} "
         f"(+{rss_growth:.1f})", rss_growth < 20),
        ("fds after minute 1 (min..max)", f"{min(fds)}..{max(fds)}", max(fds) - min(fds) <= 5),
        ("polls not connected", f"{not_connected} {phases}", not_connected == 0),
        ("worst task-counts age (s)", f"{worst_counts_age:.1f}", worst_counts_age <= 30),
        ("tasks run by the churn", f"{tasks} (want >= {want_tasks:.0f})", tasks >= want_tasks),
        ("actors created and killed", str(actors), actors > 0),
    ]
    width = max(len(name) for name, _, _ in figures)
    for name, value, ok in figures:
        print(f"{name:<{width}}  {value:<40} {'ok' if ok else 'FAIL'}")
    if counts_ages:
        ordered = sorted(counts_ages)
        print(f"task-counts age: median {ordered[len(ordered) // 2]:.1f} s, 95th "
              f"{ordered[int(len(ordered) * 0.95)]:.1f} s; polls with a task-summary error: "
              f"{summary_errors}")
    if churn_tail and not tasks:
        print("churn log: " + " | ".join(churn_tail))
    if stderr.strip():
        print(f"watch stderr: {stderr.strip().splitlines()[-1]}")
    return 0 if all(ok for _, _, ok in figures) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--tasks-per-s", type=float, default=60.0,
                        help="churn rate (60/s: 72,000 tasks in 20 minutes)")
    args = parser.parse_args()
    return soak(args.minutes, args.tasks_per_s)


if __name__ == "__main__":
    raise SystemExit(main())
