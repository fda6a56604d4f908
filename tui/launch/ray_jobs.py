"""The real `JobClient`: Ray's `JobSubmissionClient` for one dashboard.

The only module of the launch package that reaches Ray (imported when a launcher is
made, not at import). A workload never runs inside the monitor's process: a crash or
a `ray.get` that blocks stays in the job. The code travels with the job
(`py_modules`), so the same launch works on an attached remote cluster that never
installed raytui.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.launch.jobs import JobState, is_local_url, workload_entrypoint


def workload_runtime_env() -> dict[str, Any]:
    import workloads

    return {"py_modules": [str(Path(workloads.__file__).parent)]}


@contextmanager
def quiet_job_sdk() -> Iterator[None]:
    """Ray's job SDK logs "Uploading package ..." at INFO straight to stderr, which
    lands on top of a TUI's screen and in the middle of a CLI's output."""
    logger = logging.getLogger("ray.dashboard.modules.dashboard_sdk")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class JobLauncher:
    """A thin, typed wrapper over Ray's JobSubmissionClient for one dashboard."""

    def __init__(self, dashboard_url: str) -> None:
        from ray.job_submission import JobSubmissionClient

        from tui.core.auth import enable_token_mode

        enable_token_mode()
        self.dashboard_url = dashboard_url
        self.local = is_local_url(dashboard_url)
        self._client = JobSubmissionClient(dashboard_url)

    def submit(self, module: str, args: Sequence[str], name: str = "") -> str:
        """Submit `python -m module args` once (`JobRun` retries a starting job agent)."""
        with quiet_job_sdk():
            return str(self._client.submit_job(
                entrypoint=workload_entrypoint(module, args, self.local),
                # A local cluster runs this interpreter, which has the code installed;
                # shipping it anyway races with Ray's package cleanup between jobs
                # ("Failed to download runtime_env file package").
                runtime_env=None if self.local else workload_runtime_env(),
                metadata={"raytui": name or module},
            ))

    def state(self, job_id: str) -> JobState:
        info = self._client.get_job_info(job_id)
        return JobState(job_id, str(info.status), info.message or "")

    def logs(self, job_id: str) -> str:
        return str(self._client.get_job_logs(job_id))

    def stop(self, job_id: str) -> None:
        self._client.stop_job(job_id)

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[tuple[JobState, str]]:
        """Yield (state, new output) until the job ends; the last item is terminal."""
        seen = 0
        while True:
            state = self.state(job_id)
            text = self.logs(job_id)
            new, seen = text[seen:], len(text)
            yield state, new
            if state.finished:
                return
            time.sleep(poll_s)
