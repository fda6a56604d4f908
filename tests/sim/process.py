"""The simulated cluster in a process of its own (`python -m tests.sim`), for benchmarks.

A bench that measures raytui's own CPU should not share its interpreter (and GIL) with the
server building a 22 MB answer; this runs the same SimCluster in a child process:

    with SimProcess(nodes=1000, workers=16, tasks=100_000, actors=10_000) as sim:
        sim.url, sim.token, sim.env(), sim.stats()
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent.parent


class SimProcess:
    def __init__(self, nodes: int = 10, workers: int = 16, tasks: int = 1_000,
                 actors: int = 100, gpus: int = 0, latency_s: float = 0.0, seed: int = 0,
                 running: int | None = None) -> None:
        self.args = ["--nodes", str(nodes), "--workers", str(workers), "--tasks", str(tasks),
                     "--actors", str(actors), "--gpus", str(gpus), "--latency", str(latency_s),
                     "--seed", str(seed)]
        if running is not None:
            self.args += ["--running", str(running)]
        self.url = ""
        self.token = ""
        self._process: subprocess.Popen[str] | None = None
        # the server's stderr goes to a file, never to an unread pipe; closed in stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    def start(self) -> SimProcess:
        if self._log.closed:
            self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.sim", *self.args], cwd=REPO, text=True,
            stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL)
        out: IO[str] | None = self._process.stdout
        assert out is not None
        for line in out:
            if line.startswith("token file: "):
                self.token = Path(line.split()[2]).read_text().strip()
            elif line.startswith("http://"):
                self.url = line.split()[0]
                return self
        self.stop()
        raise RuntimeError("python -m tests.sim did not start: " + self.log_tail())

    def log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-2000:].decode(errors="replace")

    def env(self) -> dict[str, str]:
        return {"RAY_AUTH_TOKEN": self.token}

    def stats(self) -> dict[str, dict[str, int]]:
        with urllib.request.urlopen(self.url + "/sim/stats", timeout=30) as response:
            stats: dict[str, dict[str, int]] = json.loads(response.read())
        return stats

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        self._log.close()

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
