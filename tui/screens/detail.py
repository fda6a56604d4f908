"""Details of one selected row (worker, task, actor) or the explanation of a flag."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.model import Actor, Flag, Task, Worker
from tui.panels.cells import fmt_bytes, sparkline
from tui.panels.workers import doing


class DetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 100%;
                                    border: round $accent; background: $surface;
                                    padding: 0 1; }
    DetailScreen #detail-title { text-style: bold; }
    """

    def __init__(self, title: str, body: Text | str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._title, id="detail-title")
            yield Static(self._body, id="detail-body")
            yield Static("esc closes", classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def fields_text(pairs: list[tuple[str, object]]) -> Text:
    """Aligned `name  value` lines."""
    width = max((len(name) for name, _ in pairs), default=0)
    text = Text()
    for index, (name, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(name.ljust(width + 2), style="bold")
        text.append("-" if value is None or value == "" else str(value))
    return text


def worker_detail(worker: Worker, cpu_history: list[float],
                  flags: tuple[Flag, ...]) -> tuple[str, Text]:
    about = [f for f in flags if f.names_worker(worker.key) or f.names_node(worker.node_id)]
    pairs: list[tuple[str, object]] = [
        ("pid", worker.pid), ("node", worker.node_id), ("worker id", worker.worker_id),
        ("type", worker.worker_type), ("title", worker.title),
        ("running now", doing(worker)),
        ("task id", worker.running_task.task_id if worker.running_task else None),
        ("actor", worker.actor_id), ("CPU %", f"{worker.cpu_percent:.1f}"),
        ("CPU from", worker.cpu_source), ("RSS", fmt_bytes(worker.rss_bytes)),
        ("CPU history", sparkline(cpu_history, min(60, max(1, len(cpu_history))))),
    ]
    pairs += [(f"flag {f.kind}", f.message) for f in about]
    return f"Worker {worker.pid}", fields_text(pairs)


def actor_detail(actor: Actor) -> tuple[str, Text]:
    return f"Actor {actor.class_name} {actor.name}".strip(), fields_text([
        ("actor id", actor.actor_id), ("class", actor.class_name),
        ("name", actor.name), ("state", actor.state), ("pid", actor.pid),
        ("node", actor.node_id), ("CPU %", actor.cpu_percent),
        ("RSS", fmt_bytes(actor.rss_bytes)), ("restarts", actor.num_restarts),
        ("death cause", actor.death_cause)])


def task_detail(task: Task) -> tuple[str, Text]:
    return f"Task {task.name}", fields_text([
        ("task id", task.task_id), ("name", task.name), ("state", task.state),
        ("worker pid", task.worker_pid), ("node", task.node_id),
        ("actor", task.actor_id), ("error type", task.error_type),
        ("error", task.error_message)])


def flag_detail(flag: Flag) -> tuple[str, Text]:
    body = Text()
    body.append(flag.message + "\n\n", style="bold")
    body.append(f"about: {flag.about_text() or '-'}\n\n")
    body.append(flag.explanation or "(no explanation given for this flag)")
    return f"{flag.kind} ({flag.severity})", body
