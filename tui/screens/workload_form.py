"""A small form to launch a workload with other values than the defaults (keys F, G).

Defaults and checks are the workload descriptors' (tui/launch), as for the keys and the
command line; the form only turns text into numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from tui.core.lessons import FibRun
from tui.launch import fibonacci, gsod
from tui.launch.job_run import JobSpec


class WorkloadForm(ModalScreen[JobSpec[Any] | None]):
    """Fields by name; enter in any field launches, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    WorkloadForm { align: center middle; }
    WorkloadForm > Vertical { width: 60; max-width: 100%; height: auto; border: round $accent;
                              background: $surface; padding: 0 1; }
    WorkloadForm Horizontal { height: auto; }
    WorkloadForm Label { width: 12; padding: 1 0 0 0; }
    WorkloadForm Input, WorkloadForm Select { width: 1fr; }
    WorkloadForm #form-error { color: $error; height: auto; }
    """

    def __init__(self, kind: str, cpus: int, memory_bytes: int | None = None,
                 preset: FibRun | None = None) -> None:
        super().__init__()
        self.kind = kind  # "fibonacci" or "gsod"
        self.cpus = cpus
        self.memory_bytes = memory_bytes  # the cluster's, for the Fibonacci memory check
        self.preset = preset  # a lesson step's run, filled in for the learner

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.kind == "fibonacci":
                yield Static("[b]Launch Fibonacci[/b] (a Ray job; enter launches, esc cancels)")
                fib = fibonacci.watch_params(self.cpus)  # as the f key
                preset = self.preset or FibRun(count=fib.count)
                yield from self._field("size", str(preset.size or fib.size))
                yield from self._field("count", str(preset.tasks(self.cpus) or self.cpus))
                yield from self._choice("pattern", ["parallel", "serial"], preset.pattern)
                yield from self._choice("returns", ["length", "sequence"],
                                        "sequence" if preset.return_sequence else "length")
                yield from self._choice("local loop", ["yes", "no"],
                                        "yes" if preset.with_local else "no")
            else:
                yield Static("[b]Launch GSOD[/b] (a Ray job; enter launches, esc cancels)")
                params = gsod.watch_params()  # as the g key
                yield from self._field("year 1", str(params.years[0]))
                yield from self._field("year 2", str(params.years[1]))
                yield from self._field("scale", f"{params.scale:g}")
            yield Static("", id="form-error")

    def _field(self, label: str, value: str) -> ComposeResult:
        with Horizontal():
            yield Label(label)
            yield Input(value, id=label.replace(" ", "-"))

    def _choice(self, label: str, values: list[str], value: str) -> ComposeResult:
        with Horizontal():
            yield Label(label)
            yield Select([(v, v) for v in values], value=value, allow_blank=False,
                         id=label.replace(" ", "-"))

    def _chosen(self, field_id: str) -> str:
        return str(self.query_one(f"#{field_id}", Select).value)

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def on_input_submitted(self) -> None:
        try:
            spec = self.spec()
        except ValueError as err:
            self.query_one("#form-error", Static).update(str(err))
            return
        self.dismiss(spec)

    def spec(self) -> JobSpec[Any]:
        if self.kind == "fibonacci":
            size, count = _int(self._value("size"), "size", 0), _int(self._value("count"),
                                                                      "count", 1)
            serial = self._chosen("pattern") == "serial"
            fib = replace(fibonacci.watch_params(self.cpus), size=size, count=count,
                          pattern="serial" if serial else "parallel",
                          return_sequence=self._chosen("returns") == "sequence",
                          with_local=self._chosen("local-loop") == "yes")
            fibonacci.check(fib, self.cpus, self.memory_bytes)
            return fibonacci.job(fib)
        year_a = _int(self._value("year-1"), "year 1", 1901)
        year_b = _int(self._value("year-2"), "year 2", 1901)
        try:
            scale = float(self._value("scale"))
        except ValueError:
            raise ValueError("scale must be a number, e.g. 0.02") from None
        params = replace(gsod.watch_params(), years=(year_a, year_b), scale=scale)
        gsod.check(params)
        return gsod.job(params)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _int(text: str, name: str, minimum: int) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value
