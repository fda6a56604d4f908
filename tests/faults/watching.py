"""`raytui watch --jsonl` as a user runs it, its lines read as they come, timed."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import RAYTUI, REPO


@dataclass
class Watch:
    process: subprocess.Popen[str]
    started: float
    lines: queue.Queue[tuple[float, dict[str, Any]]] = field(default_factory=queue.Queue)
    seen: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def next_line(self, timeout: float) -> tuple[float, dict[str, Any]] | None:
        """The next line and when it came (s since the start), or None after `timeout` s."""
        try:
            item = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        self.seen.append(item)
        return item

    def until(self, test: Any, timeout: float) -> dict[str, Any] | None:
        """Read lines until one passes `test` (returned) or `timeout` s pass (None)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            item = self.next_line(max(0.0, deadline - time.monotonic()))
            if item is None:
                return None
            if test(item[1]):
                return item[1]
        return None

    def drain(self) -> None:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@contextmanager
def watching(*args: str, tmpdir: Path | None = None,
             env: dict[str, str] | None = None) -> Iterator[Watch]:
    full_env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    if tmpdir is not None:
        full_env["TMPDIR"] = str(tmpdir)
    full_env.update(env or {})
    process = subprocess.Popen([RAYTUI, "watch", "--jsonl", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=full_env, cwd=REPO,
                               stdin=subprocess.DEVNULL)
    run = Watch(process, time.monotonic())

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            record = json.loads(line)
            if record.get("type", "snapshot") == "snapshot":  # not the event lines
                run.lines.put((time.monotonic() - run.started, record))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield run
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
        reader.join(10)
        run.drain()


def phase(line: dict[str, Any]) -> str:
    """The line's connection phase (a line without one, from an older raytui: by
    `connected`, so a test of behaviour fails on behaviour, not on a missing key)."""
    status = line["status"]
    return str(status.get("phase") or ("connected" if status["connected"] else "disconnected"))
