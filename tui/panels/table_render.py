"""DataTable's rendering, kept by content: what one frame of a big table costs.

DataTable keys what it renders (cells, rows, lines) by a counter that every update
bumps, so one changed figure renders every cell on screen again; and each line it
draws computes the widget's style from its ancestors twice. At 16,000 workers every
row on screen changes at every poll (the figures move, the sort moves the rows), so
the cost of drawing a line is the cost of a frame. Here:

- a cell whose content, width and style were rendered before, at any row, is reused
  (rendered without its mouse meta, then placed: the meta says which row and column it
  is, and DataTable's clicks read it; links go with the meta, and no cell here has one);
- a body line (row cursor, no labels, no fixed rows or columns: every table here) is
  assembled from those cells with what does not change within one frame (the
  widget's style, the column widths) computed once a frame.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Lines = list[list[Segment]]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CELLS_KEPT = 8192  # about 30 screens of cells, in each of the two generations


def content_key(cell: Any) -> Hashable | None:
    """What a cell's rendering depends on, hashable (None: not known, render it)."""
    if isinstance(cell, Text):
        return ("text", cell.plain, cell.style, tuple(cell.spans), cell.justify,
                cell.overflow, cell.no_wrap, cell.end)
    if isinstance(cell, str | int):
        return (type(cell), cell)
    return None


class Generations(Generic[K, V]):
    """A bounded map that keeps what was used lately: when the new generation is full it
    becomes the old one, and an old entry used again moves back. A full cache so never
    drops everything at once (which would render every cell on screen in one frame)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._new: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        value = self._new.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        if len(self._new) >= self.size:
            self._old, self._new = self._new, {}
        self._new[key] = value

    def clear(self) -> None:
        self._new, self._old = {}, {}


@dataclass
class RenderCounts:
    """Cells drawn, counted since the table was made (tests and benches read it)."""

    cells_rendered: int = 0  # cells drawn by Rich (content not drawn before)
    cells_reused: int = 0  # cells drawn before, at this row or another


class ContentRenderedTable(DataTable[Any]):
    """A DataTable that renders by content (see the module's docstring)."""

    _frame: dict[str, Any] | None = None  # what one render pass computes once

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts: RenderCounts = RenderCounts()
        self._cells: Generations[Hashable, Lines] = Generations(CELLS_KEPT)
        self._clean: dict[Style, Style] = {}  # a rendered style without its mouse meta
        self._placed: dict[tuple[Style, int, int], Style] = {}  # ... with a cell's meta
        self._extend: dict[tuple[Any, ...], Style] = {}  # the filler right of a row

    def notify_style_update(self) -> None:
        self._forget_rendered()  # a theme or CSS change restyles every cell
        super().notify_style_update()

    def _forget_rendered(self) -> None:
        self._cells.clear()
        self._clean.clear()
        self._placed.clear()
        self._extend.clear()

    # --- one frame --------------------------------------------------------------

    def render_lines(self, crop: Any) -> Any:
        self._frame = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    @property
    def rich_style(self) -> Style:
        frame = self._frame
        if frame is None:
            return super().rich_style
        style = frame.get("rich_style")
        if style is None:
            style = frame["rich_style"] = super().rich_style
        return style

    def _widths(self) -> list[int]:
        frame = self._frame
        widths = frame.get("widths") if frame is not None else None
        if widths is None:
            widths = [column.get_render_width(self) for column in self.ordered_columns]
            if frame is not None:
                frame["widths"] = widths
        return widths

    def _plain_rows(self) -> bool:
        """The body rows are drawn as `_render_line_in_row` does here (else DataTable's)."""
        return (self.cursor_type == "row" and not self.fixed_columns and not self.fixed_rows
                and not self.zebra_stripes
                and not (self._labelled_row_exists and self.show_row_labels))

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style,
                            cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[Lines, Lines]:
        """DataTable's, for plain rows: the same segments, without its per-line lookups."""
        if row_key is self._header_row_key or not self._plain_rows():
            return super()._render_line_in_row(row_key, line_no, base_style,
                                               cursor_location, hover_location)
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location,
                     self.cursor_type, self.show_cursor, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row_index = self._row_locations.get(row_key)
        if row_index is None:  # DataTable styles such a row as the header
            return super()._render_line_in_row(row_key, line_no, base_style,
                                               cursor_location, hover_location)
        cursor = row_index == cursor_location.row  # a row cursor highlights whole rows
        hover = row_index == hover_location.row
        widths = self._widths()
        scrollable: Lines = [
            self._render_cell(row_index, column_index, base_style, width, cursor=cursor,
                              hover=hover)[line_no]
            for column_index, width in enumerate(widths)]
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        scrollable.append([Segment(" " * remaining,
                                   self._extend_style(row_index, base_style, cursor, hover))])
        pair: tuple[Lines, Lines] = ([], scrollable)
        self._row_render_cache[cache_key] = pair
        return pair

    def _extend_style(self, row_index: int, row_style: Style, cursor: bool,
                      hover: bool) -> Style:
        key = (row_index, row_style, cursor, hover, self.show_cursor, self._show_hover_cursor)
        style = self._extend.get(key)
        if style is None:
            if len(self._extend) > 4 * CELLS_KEPT:
                self._extend.clear()
            extend, _ = self._get_styles_to_render_cell(
                row_index == -1, False, False, hover, cursor, self.show_cursor,
                self._show_hover_cursor, False, False)
            style = self._extend[key] = row_style + extend + Style.from_meta(
                {"row": row_index, "column": 0, "out_of_bounds": True})
        return style

    # --- cells ------------------------------------------------------------------

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> Lines:
        """DataTable's cell render, kept by the cell's content instead of for one update."""
        if row_index < 0 or column_index < 0:  # the header, row labels
            return super()._render_cell(row_index, column_index, base_style, width,
                                        cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self._data.get(row_key) if row_key is not None else None
        content = (content_key(row.get(column_key))
                   if row is not None and column_key is not None else None)
        if content is None or row_key not in self.rows:
            return super()._render_cell(row_index, column_index, base_style, width,
                                        cursor, hover)
        key = (content, width, self.rows[row_key].height, base_style, cursor, hover,
               self._show_hover_cursor, self._pseudo_class_state)
        placed_key = (key, row_index, column_index)
        lines = self._cells.get(placed_key)
        if lines is not None:  # this content in this cell
            self.counts.cells_reused += 1
            return lines
        clean = self._cells.get(key)
        if clean is None:
            self.counts.cells_rendered += 1
            clean = [[self._without_meta(segment) for segment in line]
                     for line in super()._render_cell(row_index, column_index, base_style,
                                                      width, cursor, hover)]
            self._cells.put(key, clean)
        else:
            self.counts.cells_reused += 1
        lines = [[self._place(segment, row_index, column_index) for segment in line]
                 for line in clean]
        self._cells.put(placed_key, lines)
        return lines

    def _without_meta(self, segment: Segment) -> Segment:
        text, style, control = segment
        if style is None or control is not None:
            return segment
        clean = self._clean.get(style)
        if clean is None:
            if len(self._clean) > CELLS_KEPT:
                self._clean.clear()
            clean = self._clean[style] = style.clear_meta_and_links()
        return Segment(text, clean, control)

    def _place(self, segment: Segment, row_index: int, column_index: int) -> Segment:
        """The segment with the mouse meta of this cell (DataTable's clicks read it)."""
        text, style, control = segment
        if control is not None or style is None:
            return segment
        key = (style, row_index, column_index)
        placed = self._placed.get(key)
        if placed is None:
            if len(self._placed) > 4 * CELLS_KEPT:
                self._placed.clear()
            placed = self._placed[key] = style + Style.from_meta(
                {"row": row_index, "column": column_index})
        return Segment(text, placed, control)
