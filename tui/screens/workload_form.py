"""A small form to launch a workload with other values than the defaults (keys F, G)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from tui.workload_runs import WorkloadSpec, fibonacci_spec, gsod_spec


class WorkloadForm(ModalScreen[WorkloadSpec | None]):
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

    def __init__(self, kind: str, cpus: int) -> None:
        super().__init__()
        self.kind = kind  # "fibonacci" or "gsod"
        self.cpus = cpus

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.kind == "fibonacci":
                yield Static("[b]Launch Fibonacci[/b] (a Ray job; enter launches, esc cancels)")
                yield from self._field("size", "100000")
                yield from self._field("count", str(8 * self.cpus))  # as the f key
                with Horizontal():
                    yield Label("pattern")
                    yield Select([("parallel", "parallel"), ("serial", "serial")],
                                 value="parallel", allow_blank=False, id="pattern")
            else:
                yield Static("[b]Launch GSOD[/b] (a Ray job; enter launches, esc cancels)")
                yield from self._field("year 1", "1980")
                yield from self._field("year 2", "2020")
                yield from self._field("scale", "0.02")
            yield Static("", id="form-error")

    def _field(self, label: str, value: str) -> ComposeResult:
        with Horizontal():
            yield Label(label)
            yield Input(value, id=label.replace(" ", "-"))

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def on_input_submitted(self) -> None:
        try:
            spec = self.spec()
        except ValueError as err:
            self.query_one("#form-error", Static).update(str(err))
            return
        self.dismiss(spec)

    def spec(self) -> WorkloadSpec:
        if self.kind == "fibonacci":
            size, count = _int(self._value("size"), "size", 0), _int(self._value("count"),
                                                                      "count", 1)
            pattern = str(self.query_one("#pattern", Select).value)
            return fibonacci_spec(size, count, pattern)
        year_a = _int(self._value("year-1"), "year 1", 1901)
        year_b = _int(self._value("year-2"), "year 2", 1901)
        try:
            scale = float(self._value("scale"))
        except ValueError:
            raise ValueError("scale must be a number, e.g. 0.02") from None
        if not 0 < scale <= 1:
            raise ValueError("scale must be above 0 and at most 1")
        return gsod_spec(year_a, year_b, scale)

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
