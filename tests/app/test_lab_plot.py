"""The lab plot from fixed data: SVG snapshots, and the drawing rules it relies on."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.panels.lab_plot import LabPlot, LogAxis, render_plot, size_label, sweep_series
from workloads.lab_results import SweepPoint, summarize

# A real compute sweep of this machine (raytui lab compute, 2 CPUs), rounded.
COMPUTE = [(1000, 0.0004, 0.0041), (3000, 0.0014, 0.0049), (10000, 0.0105, 0.0097),
           (20000, 0.0466, 0.0298), (40000, 0.160, 0.0968), (70000, 0.411, 0.264),
           (100000, 0.728, 0.488), (150000, 2.08, 1.39), (200000, 3.66, 3.28)]
# An io sweep: local, fan-out returning sequences, fan-out returning sizes, bytes.
IO = [(100, 2.5e-5, 0.0051, 0.0047, 1428), (3000, 0.0012, 0.0326, 0.0070, 829_756),
      (30000, 0.074, 0.658, 0.043, 78_779_142)]


def compute_points() -> list[SweepPoint]:
    return [SweepPoint("compute", s, 2, 3, loc, rem, loc / rem) for s, loc, rem in COMPUTE]


def io_points() -> list[SweepPoint]:
    return [SweepPoint("io", s, 2, 2, loc, rem, loc / rem, only, rem - only, size_bytes)
            for s, loc, rem, only, size_bytes in IO]


class PlotApp(App[None]):
    def __init__(self, points: list[SweepPoint]) -> None:
        super().__init__()
        self.points = points

    def compose(self) -> ComposeResult:
        yield LabPlot(id="plot")

    def on_mount(self) -> None:
        summary = summarize(self.points[0].kind, 2, 3, self.points)
        self.query_one(LabPlot).show(sweep_series(summary.points), summary.crossover_size)


def test_compute_plot_snapshot_80x24(snap_compare) -> None:
    assert snap_compare(PlotApp(compute_points()), terminal_size=(80, 24))


def test_compute_plot_snapshot_wide(snap_compare) -> None:
    assert snap_compare(PlotApp(compute_points()), terminal_size=(140, 36))


def test_io_plot_snapshot_80x24(snap_compare) -> None:
    assert snap_compare(PlotApp(io_points()), terminal_size=(80, 24))


def test_crossover_is_marked_on_the_axis_at_its_size() -> None:
    points = compute_points()
    crossover = summarize("compute", 2, 3, points).crossover_size
    assert crossover == 10_000
    lines = render_plot(sweep_series(points), 80, 20, crossover).plain.splitlines()
    assert "┊ crossover 10k" in lines[0]
    axis, labels = lines[-2], lines[-1]
    column = axis.index("┴")
    assert labels[column - 2:column + 2].strip().startswith("10k")
    assert all(line[column] in "┊⠀⡀⢀⣀" or not line[column].isspace() for line in lines[1:-2])


def test_every_point_gets_its_marker_and_no_crossover_no_line() -> None:
    # well apart, so no two markers share a cell (coinciding points show the last series)
    points = [SweepPoint("io", s, 2, 1, 0.001 * k, 0.1 * k, 0.01, 0.01 * k, 0.09 * k, 1)
              for k, s in enumerate((100, 1000, 10_000), start=1)]
    text = render_plot(sweep_series(points), 80, 20, None).plain
    assert text.count("●") == text.count("◆") == text.count("▪") == 1 + len(points)
    assert "crossover" not in text and "┴" not in text


def test_tiny_or_empty_plots_say_so() -> None:
    assert render_plot(sweep_series(compute_points()), 12, 5).plain == "(too small to plot)"
    assert render_plot([], 80, 20, empty="press c").plain == "press c"


def test_log_axis_places_decades_evenly() -> None:
    axis = LogAxis([1000, 100_000], 101)
    assert axis.cell(1000) == 0 and axis.cell(100_000) == 100 and axis.cell(10_000) == 50
    assert axis.ticks() == [1000.0, 10_000.0, 100_000.0]
    assert [size_label(v) for v in (300, 1000, 25_000, 2_000_000)] == ["300", "1k", "25k", "2M"]
