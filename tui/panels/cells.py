"""Cell formatting shared by the panels: sizes, CPU bars, sparklines, keyed cells, detail
fields."""

from __future__ import annotations

import functools

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

SPARK_CHARS = " ▁▂▃▄▅▆▇█"
SEVERITY_STYLE = {"info": "bold cyan", "warning": "bold yellow", "critical": "bold red"}
SEVERITY_MARK = {"info": "i", "warning": "!", "critical": "!!"}
# the progress bar's parts: finished, failed, running, pending (others are not drawn)
PROGRESS_PARTS = (("FINISHED", "█", "green"), ("FAILED", "█", "red"),
                  ("RUNNING", "▓", "cyan"), ("PENDING", "░", ""))


def show(widget: Static, content: Text | str) -> None:
    """Update a Static only when its content changed, and lay the screen out again only
    when its height may change: a live header changes every poll, and a layout pass
    repaints far more than the header."""
    old = widget.content
    if old == content:
        return
    before, after = _rows(old, widget), _rows(content, widget)
    widget.update(content, layout=before is None or before != after)


def _rows(content: object, widget: Static) -> int | None:
    """Rows the content takes, or None when a line may wrap (or it is not text)."""
    if not isinstance(content, Text | str):
        return None
    lines = (content.plain if isinstance(content, Text) else content).split("\n")
    width = widget.content_size.width
    if width <= 0 or any(cell_len(line) >= width for line in lines):
        return None
    return len(lines)


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "K", "M", "G", "T"):
        if size < 1024 or unit == "T":
            return f"{size:.0f}{unit}" if unit in ("B", "K") or size >= 100 else \
                f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}T"  # unreachable, keeps type checkers calm


def cpu_bar(percent: float | None, width: int = 10) -> Text:
    """A bar of one core (100 %), then the number; above one core the bar is full."""
    if percent is None:
        return Text("-".rjust(width + 5))
    return _cpu_bar(round(percent), width)


@functools.lru_cache(maxsize=4096)
def _cpu_bar(percent: int, width: int) -> Text:
    # cached: a big cluster asks for the same few hundred bars every poll (cells are
    # never mutated after they are handed to a table)
    filled = max(0, min(width, round(percent / 100 * width)))
    style = "red" if percent >= 90 else "yellow" if percent >= 50 else "green"
    text = Text()
    text.append("█" * filled, style=style)
    text.append("·" * (width - filled), style="dim")
    text.append(f" {percent:3.0f}%")
    return text


def progress_bar(counts: dict[str, int], width: int) -> Text:
    """Finished, failed, running and pending as one bar of `width` cells, in proportion
    (a part that is not zero gets at least one cell)."""
    total = sum(counts.get(state, 0) for state, _, _ in PROGRESS_PARTS)
    bar = Text()
    if total == 0:
        return Text("·" * width, style="dim")
    cells = [(counts.get(state, 0) * width / total, char, style)
             for state, char, style in PROGRESS_PARTS]
    sizes = [max(1, round(share)) if share else 0 for share, _, _ in cells]
    while sum(sizes) > width:  # rounding up the small parts: take it from the biggest
        sizes[sizes.index(max(sizes))] -= 1
    sizes[sizes.index(max(sizes))] += width - sum(sizes)
    for size, (_, char, style) in zip(sizes, cells, strict=True):
        bar.append(char * size, style=style)
    return bar


def sparkline(values: list[float], width: int, top: float = 100.0) -> str:
    """The last `width` values as block characters, 0..top (absolute, so rows compare)."""
    recent = values[-width:]
    steps = len(SPARK_CHARS) - 1
    chars = [SPARK_CHARS[max(0, min(steps, round(v / top * steps)))] if top > 0 else " "
             for v in recent]
    return "".join(chars).rjust(width)


class KeyedText(Text):
    """A cell that remembers its row key, so `DataTable.sort` can order rows by our data."""

    def __init__(self, text: str, row_key: str, style: str = "") -> None:
        super().__init__(text, style=style)
        self.row_key = row_key


def fields_text(pairs: list[tuple[str, object]]) -> Text:
    """Aligned `name  value` lines (the body of a detail modal)."""
    width = max((len(name) for name, _ in pairs), default=0)
    text = Text()
    for index, (name, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(name.ljust(width + 2), style="bold")
        text.append("-" if value is None or value == "" else str(value))
    return text
