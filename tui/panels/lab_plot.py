"""The lab's plot: time against sequence size, both axes logarithmic, crossover marked.

Drawn with Rich text, no plotting library: lines in braille dots (2x4 per cell) so
the curves look continuous in a terminal, a marker on each measured point, and a
dotted vertical line at the crossover. Log-log because Fibonacci work grows like
size squared and Ray's overhead is a floor: two straight lines meeting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

if TYPE_CHECKING:
    from workloads.lab_results import SweepPoint

Y_LABEL_WIDTH = 7
CROSSOVER_STYLE = "bold yellow"
BRAILLE_BASE = 0x2800
# dot bit for (column 0-1, row 0-3) inside one braille cell
BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True)
class PlotSeries:
    label: str
    points: tuple[tuple[float, float], ...]  # (size, seconds)
    style: str
    marker: str


def sweep_series(points: Sequence[SweepPoint]) -> list[PlotSeries]:
    """The curves of a sweep: local and remote, and for io the size-only fan-out."""
    ordered = sorted(points, key=lambda p: p.size)
    series = [
        PlotSeries("local", tuple((p.size, p.local_s) for p in ordered), "bold cyan", "●"),
        PlotSeries("remote", tuple((p.size, p.remote_s) for p in ordered), "bold magenta", "◆"),
    ]
    size_only = tuple((p.size, p.remote_size_s) for p in ordered if p.remote_size_s is not None)
    if size_only:
        series[1] = PlotSeries("remote→sequence", series[1].points, "bold magenta", "◆")
        series.append(PlotSeries("remote→size", size_only, "green", "▪"))
    return series


class LogAxis:
    """Maps values on a log scale to cell positions 0..cells-1."""

    def __init__(self, values: Sequence[float], cells: int, pad: float = 1.0) -> None:
        positive = [v for v in values if v > 0] or [1.0]
        low, high = min(positive) / pad, max(positive) * pad
        if high / low < 2:  # one value, or all close: widen so it sits in the middle
            low, high = low / 2, high * 2
        self.low, self.high = math.log10(low), math.log10(high)
        self.cells = cells

    def fraction(self, value: float) -> float:
        value = max(value, 1e-12)
        return (math.log10(value) - self.low) / (self.high - self.low)

    def cell(self, value: float) -> int:
        return min(self.cells - 1, max(0, round(self.fraction(value) * (self.cells - 1))))

    def ticks(self) -> list[float]:
        """Decades inside the range; 2 and 5 times them too when there are few."""
        first, last = math.floor(self.low), math.ceil(self.high)
        decades = [10.0 ** k for k in range(first, last + 1)]
        inside = [v for v in decades if 0 <= self.fraction(v) <= 1]
        if len(inside) < 3:
            inside = [v * m for v in decades for m in (1, 2, 5) if 0 <= self.fraction(v * m) <= 1]
        return inside


def seconds_label(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:g} ms"
    return f"{seconds * 1e6:g} µs"


def size_label(size: float) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g}M"
    if size >= 1000:
        return f"{size / 1000:g}k"
    return f"{size:g}"


class BrailleCanvas:
    """Dots at 2x4 per cell; each cell remembers the style of the last series drawn."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.bits = [[0] * columns for _ in range(rows)]
        self.styles: list[list[str]] = [[""] * columns for _ in range(rows)]

    def dot(self, x: int, y: int, style: str) -> None:
        column, row = x // 2, y // 4
        if 0 <= column < self.columns and 0 <= row < self.rows:
            self.bits[row][column] |= BRAILLE_BITS[x % 2][y % 4]
            self.styles[row][column] = style

    def line(self, start: tuple[int, int], end: tuple[int, int], style: str) -> None:
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            self.dot(round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps), style)

    def char(self, column: int, row: int) -> str:
        bits = self.bits[row][column]
        return chr(BRAILLE_BASE + bits) if bits else " "


def render_plot(series: Sequence[PlotSeries], width: int, height: int,
                crossover: float | None = None, empty: str = "no points yet") -> Text:
    plot_columns = width - Y_LABEL_WIDTH - 1
    plot_rows = height - 3  # legend above, axis and tick labels below
    if plot_columns < 10 or plot_rows < 3:
        return Text("(too small to plot)", style="dim")
    all_points = [pt for s in series for pt in s.points]
    if not all_points:
        return Text(empty, style="dim")
    x_axis = LogAxis([x for x, _ in all_points] + ([crossover] if crossover else []),
                     plot_columns, pad=1.15)
    y_axis = LogAxis([y for _, y in all_points], plot_rows, pad=1.3)

    canvas = BrailleCanvas(plot_columns, plot_rows)
    markers: dict[tuple[int, int], tuple[str, str]] = {}
    for s in series:
        dots = [(round(x_axis.fraction(x) * (plot_columns * 2 - 1)),
                 round((1 - y_axis.fraction(y)) * (plot_rows * 4 - 1))) for x, y in s.points]
        for start, end in zip(dots, dots[1:], strict=False):
            canvas.line(start, end, s.style)
        for dot_x, dot_y in dots:  # the marker sits in the cell its line passes through
            markers[(dot_x // 2, dot_y // 4)] = (s.marker, s.style)

    crossover_column = x_axis.cell(crossover) if crossover else None
    y_ticks = {plot_rows - 1 - y_axis.cell(v): seconds_label(v) for v in y_axis.ticks()}

    lines = [legend(series, crossover)]
    lines[0].truncate(width, overflow="ellipsis")
    for row in range(plot_rows):
        line = Text()
        line.append(y_ticks.get(row, "").rjust(Y_LABEL_WIDTH), style="dim")
        line.append("┤" if row in y_ticks else "│", style="dim")
        for column in range(plot_columns):
            if (column, row) in markers:
                marker, style = markers[(column, row)]
                line.append(marker, style=style)
            elif canvas.bits[row][column]:
                line.append(canvas.char(column, row), style=canvas.styles[row][column])
            elif column == crossover_column:
                line.append("┊", style=CROSSOVER_STYLE)
            else:
                line.append(" ")
        lines.append(line)
    lines.extend(x_axis_lines(x_axis, plot_columns, crossover_column))
    text = Text("\n").join(lines)
    text.no_wrap = True
    return text


def legend(series: Sequence[PlotSeries], crossover: float | None) -> Text:
    text = Text(" " * (Y_LABEL_WIDTH + 1))
    for s in series:
        text.append(f"{s.marker} {s.label}", style=s.style)
        text.append("  ")
    if crossover:
        text.append(f"┊ crossover {size_label(crossover)}", style=CROSSOVER_STYLE)
    return text


def x_axis_lines(axis: LogAxis, columns: int, crossover_column: int | None) -> list[Text]:
    rule = ["─"] * columns
    labels = [" "] * columns
    for value in axis.ticks():
        column = axis.cell(value)
        rule[column] = "┬"
        label = size_label(value)
        start = min(max(0, column - len(label) // 2), columns - len(label))
        if all(c == " " for c in labels[max(0, start - 1):start + len(label) + 1]):
            labels[start:start + len(label)] = label
    if crossover_column is not None:
        rule[crossover_column] = "┴"
    axis_line = Text()
    axis_line.append(" " * Y_LABEL_WIDTH + "└", style="dim")
    for column, char in enumerate(rule):
        axis_line.append(char, style=CROSSOVER_STYLE if column == crossover_column else "dim")
    label_line = Text(" " * (Y_LABEL_WIDTH + 1) + "".join(labels), style="dim")
    return [axis_line, label_line]


class LabPlot(Widget):
    """Shows whatever series it was last given; redraws to fit its size."""

    DEFAULT_CSS = """
    LabPlot {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, empty: str = "no points yet", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.series: tuple[PlotSeries, ...] = ()
        self.crossover: float | None = None
        self.empty = empty

    def show(self, series: Sequence[PlotSeries], crossover: float | None = None,
             empty: str | None = None) -> None:
        self.series, self.crossover = tuple(series), crossover
        if empty is not None:
            self.empty = empty
        self.refresh()

    def render(self) -> Text:
        return render_plot(self.series, self.size.width, self.size.height, self.crossover,
                           self.empty)
