"""The app on the session cluster launches GSOD as a Ray job: each actor's load progress
bar in the Workload tab moves while the real load runs, and ends full (issue 13)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from textual.widgets import ProgressBar

from tests.app.test_keys import wait_for
from tui.app import RaytuiApp
from tui.core.collector import Collector
from tui.core.connection import RayConnection
from tui.launch.gsod import default_params, job
from tui.launch.ray_jobs import JobLauncher
from tui.panels.workload import WorkloadPanel
from workloads.gsod.synth import write_archive


async def test_each_actors_bar_moves_during_a_real_load_and_ends_full(
        ray_cluster: RayConnection, tmp_path: Path) -> None:
    params = replace(default_params(), data_dir=tmp_path)
    # ~2-3 s of load each on an idle machine: several job-log polls while it loads (at
    # scale 0.6 the load took ~1 s, and on a loaded machine its progress lines could all
    # arrive in one poll). Written side by side, one process each (~25 s apiece, pure
    # Python; spawned: this process drives Ray)
    with ProcessPoolExecutor(len(params.years), mp_context=get_context("spawn")) as pool:
        list(pool.map(partial(write_archive, out_dir=tmp_path, scale=1.5, seed=3),
                      params.years))
    app = RaytuiApp(open_source=lambda stop: Collector(ray_cluster), address_label="session",
                    interval_s=0.5, cluster_cpus=lambda: 2,
                    make_launcher=lambda: JobLauncher(ray_cluster.dashboard_url))
    async with app.run_test(size=(120, 40)) as pilot:
        app.launch(job(params))
        panel = app.query_one("#workload-panel", WorkloadPanel)
        seen: dict[str, set[float]] = {}  # each bar's drawn fractions, by its widget id

        def bars_full() -> bool:
            for bar in panel.query(ProgressBar):
                if bar.id and bar.id.startswith("load-") and bar.progress is not None:
                    seen.setdefault(bar.id, set()).add(round(float(bar.progress), 4))
            done = [p for p in panel.progress.values() if p.done]
            # the bars are drawn after a refresh: the done lines may be in before that
            drawn_full = len(seen) == 2 and all(
                bar.progress == 1.0 for bar in panel.query(ProgressBar)
                if bar.id and bar.id.startswith("load-"))
            return len(done) == 2 and drawn_full and not (app.workload and app.workload.running)

        await wait_for(pilot, bars_full, 180)
        assert len(seen) == 2, seen  # one bar per GSODActor
        for fractions in seen.values():
            assert 1.0 in fractions, fractions  # it ended full
            assert any(0.0 < f < 1.0 for f in fractions), fractions  # it was seen part way
        years = sorted(p.year for p in panel.progress.values())
        assert years == sorted(params.years)
