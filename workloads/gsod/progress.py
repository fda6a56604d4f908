"""Progress on stderr: a bar that redraws in place on a terminal, occasional plain lines
otherwise (job logs, pipes), so results on stdout stay clean."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: float, unit: str = "", stream: TextIO | None = None,
                 every_s: float = 2.0) -> None:
        self.label = label
        self.total = max(total, 0.0)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s = every_s if not self.tty else 0.1
        self.start = time.monotonic()
        self._last = 0.0
        self._last_fraction = -1.0

    def update(self, done: float, detail: str = "") -> None:
        now = time.monotonic()
        if now - self._last < self.every_s and done < self.total:
            return
        self._last = now
        fraction = min(done / self.total, 1.0) if self.total else 1.0
        if not self.tty and fraction == self._last_fraction:
            return
        self._last_fraction = fraction
        text = f"{self.label}: {self._amount(done)} ({fraction:4.0%}, {now - self.start:.0f} s)"
        if detail:
            text += f" {detail}"
        if self.tty:
            width = 24
            filled = int(width * fraction)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _amount(self, done: float) -> str:
        if self.unit == "B":
            return f"{done / 1e6:.1f}/{self.total / 1e6:.1f} MB"
        return f"{done:,.0f}/{self.total:,.0f}{' ' + self.unit if self.unit else ''}"

    def finish(self, detail: str = "") -> None:
        self._last = 0.0
        self.update(self.total, detail)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
