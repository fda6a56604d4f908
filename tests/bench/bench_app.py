"""Issue 4: the monitor's costs, measured side by side in one run.

Targets: applying a snapshot of 500 workers and 1,000 actors on the main thread has a
median under 50 ms; the app idle at a 1 s interval uses under 3 % of one core over
30 s; the first frame is drawn under 1 s after `raytui` starts (before Ray is up).
Run one part with `python -m tests.bench.bench_app apply|idle|start`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil

from tests.app.fakes import HEAD, FakeSource, make_app, make_snapshot
from tui.core.model import Actor, Snapshot, Worker

REPO = Path(__file__).resolve().parents[2]
RAYTUI = str(Path(sys.executable).parent / "raytui")
APPLY_TARGET_MS = 50.0
IDLE_TARGET_PERCENT = 3.0
FIRST_FRAME_TARGET_S = 1.0
IDLE_WINDOW_S = 30.0


def big_snapshot(tick: int, workers: int = 500, actors: int = 1000) -> Snapshot:
    """A large cluster whose CPU figures move every tick, as a live one does."""
    base = make_snapshot()
    worker_rows = tuple(
        Worker(10_000 + i, HEAD, f"w{i}", "WORKER", "ray::task" if i % 3 else "ray::IDLE",
               float((i * 7 + tick * 13) % 100), (100 + i % 50) * 1024**2, "psutil")
        for i in range(workers))
    actor_rows = tuple(
        Actor(f"actor-{i:05d}", f"Class{i % 20}", "ALIVE" if i % 10 else "DEAD", f"a{i}",
              20_000 + i, HEAD, i % 3, None, float((i * 3 + tick * 11) % 100),
              (50 + i % 30) * 1024**2)
        for i in range(actors))
    return replace(base, workers=worker_rows, actors=actor_rows)


# --- apply -------------------------------------------------------------------


async def measure_apply(
        ticks: int = 30) -> tuple[float, float, list[float], list[float], list[float]]:
    snapshots = [big_snapshot(t) for t in range(ticks + 1)]
    app = make_app(FakeSource([make_snapshot()]))
    async with app.run_test(size=(160, 48)) as pilot:
        start = time.perf_counter()
        app.apply_snapshot(snapshots[0])
        first_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        await pilot.pause()
        first_draw_ms = (time.perf_counter() - start) * 1000
        apply_ms, draw_ms, every_panel_ms = [], [], []
        for snapshot in snapshots[1:]:
            start = time.perf_counter()
            app.apply_snapshot(snapshot)
            apply_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.pause()  # lets Textual lay out and render the changes
            draw_ms.append((time.perf_counter() - start) * 1000)
        for snapshot in snapshots[1:]:
            # the worst case: hidden tabs too (the app leaves them stale until shown)
            view = app.view_state(snapshot)
            start = time.perf_counter()
            with app.batch_update():
                for pane in ("workers", "tasks", "actors", "flags"):
                    app.query_one(f"#{pane}-panel").show(snapshot, view)  # type: ignore[attr-defined]
            every_panel_ms.append((time.perf_counter() - start) * 1000)
            await pilot.pause()
    return first_ms, first_draw_ms, apply_ms, draw_ms, every_panel_ms


def bench_apply() -> bool:
    first_ms, first_draw_ms, apply_ms, draw_ms, every_ms = asyncio.run(measure_apply())
    median = statistics.median(apply_ms)
    print("apply a snapshot of 500 workers + 1,000 actors on the main thread (160x48):")
    print(f"  first (adds every row)   {first_ms:8.1f} ms, then draw {first_draw_ms:7.1f} ms")
    print(f"  steady (Workers visible) median {median:6.1f} ms  p90 "
          f"{statistics.quantiles(apply_ms, n=10)[-1]:6.1f} ms  (n={len(apply_ms)})")
    print(f"  next frame after apply   median {statistics.median(draw_ms):6.1f} ms")
    print(f"  every panel incl. hidden median {statistics.median(every_ms):6.1f} ms  p90 "
          f"{statistics.quantiles(every_ms, n=10)[-1]:6.1f} ms")
    print(f"  target: median apply < {APPLY_TARGET_MS:.0f} ms -> "
          f"{'met' if median < APPLY_TARGET_MS else 'NOT met'}")
    return median < APPLY_TARGET_MS


# --- idle and first frame (both in tmux, as a user runs it) -----------------------


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10,
                          check=True).stdout


def start_in_tmux(session: str, command: str) -> tuple[int, float]:
    """Start `command` (exec'ed, so the pane pid is its pid); return (pid, start time)."""
    started = time.monotonic()
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40",
         f"cd {REPO} && exec env -u RAY_ADDRESS {command}")
    return int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip()), started


def wait_screen(session: str, text: str, timeout_s: float, step_s: float = 0.01) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in tmux("capture-pane", "-p", "-t", session):
            return time.monotonic()
        time.sleep(step_s)
    raise TimeoutError(f"{text!r} not on screen after {timeout_s} s")


def quit_tmux(session: str, pid: int) -> None:
    try:
        tmux("send-keys", "-t", session, "q")
        psutil.Process(pid).wait(30)
    except (psutil.NoSuchProcess, psutil.TimeoutExpired, subprocess.CalledProcessError):
        pass
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, timeout=10)


def idle_percent(pid: int, seconds: float) -> float:
    process = psutil.Process(pid)
    before = process.cpu_times()
    time.sleep(seconds)
    after = process.cpu_times()
    busy = (after.user - before.user) + (after.system - before.system)
    return busy / seconds * 100


def run_fake_app() -> None:
    """The app over a fake source at a 1 s interval: the UI's own idle cost."""
    source = FakeSource([make_snapshot()])
    make_app(source, interval_s=1.0).run()


def bench_idle_and_start() -> tuple[bool, bool]:
    session = f"raytui-bench-{os.getpid()}"
    print("idle CPU at a 1 s interval over 30 s, and time to first frame (tmux 120x40):")
    pid, started = start_in_tmux(session, f"{sys.executable} -m tests.bench.bench_app fake-app")
    try:
        wait_screen(session, "connected", 60)
        time.sleep(3)
        fake_idle = idle_percent(pid, IDLE_WINDOW_S)
    finally:
        quit_tmux(session, pid)
    pid, started = start_in_tmux(session, f"{RAYTUI} --num-cpus 2")
    try:
        first_frame_s = wait_screen(session, "raytui", 30) - started
        connected_s = wait_screen(session, "● connected", 120, 0.1) - started
        time.sleep(5)  # let the first polls (and their imports) settle
        live_idle = idle_percent(pid, IDLE_WINDOW_S)
    finally:
        quit_tmux(session, pid)
    imports = {}
    for label, code in (("import tui.app (the monitor)", "import tui.app"),
                        ("import tui.cli + build_parser()", "import tui.cli; tui.cli.build_parser()")):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
        imports[label] = time.perf_counter() - start
    print(f"  UI only (fake source)       {fake_idle:5.1f} % of one core")
    print(f"  raytui (collector + UI)     {live_idle:5.1f} % of one core "
          f"(process {pid}, Ray's own daemons not counted)")
    print(f"  target: UI idle < {IDLE_TARGET_PERCENT:.0f} % -> "
          f"{'met' if live_idle < IDLE_TARGET_PERCENT else 'NOT met'} for raytui, "
          f"{'met' if fake_idle < IDLE_TARGET_PERCENT else 'NOT met'} for the UI alone")
    print(f"  first frame ('starting Ray...')  {first_frame_s:5.2f} s;"
          f" connected after {connected_s:5.1f} s")
    for label, seconds in imports.items():
        print(f"    {label:34s} {seconds:5.2f} s")
    print(f"  target: first frame < {FIRST_FRAME_TARGET_S:.0f} s -> "
          f"{'met' if first_frame_s < FIRST_FRAME_TARGET_S else 'NOT met'}")
    return live_idle < IDLE_TARGET_PERCENT, first_frame_s < FIRST_FRAME_TARGET_S


def main() -> int:
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    apply_ok = bench_apply()
    idle_ok, start_ok = bench_idle_and_start()
    return 0 if apply_ok and idle_ok and start_ok else 1


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else ""
    if part == "fake-app":
        run_fake_app()
    elif part == "apply":
        raise SystemExit(0 if bench_apply() else 1)
    elif part in ("idle", "start"):
        raise SystemExit(0 if all(bench_idle_and_start()) else 1)
    else:
        raise SystemExit(main())
