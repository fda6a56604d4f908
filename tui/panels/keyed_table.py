"""A DataTable updated by keyed diffs: add, remove and change only what changed.

Every panel table goes through `KeyedTable.sync`: rows are identified by a stable key
(worker, actor, task id), cells are compared to what is shown and updated one by one,
and the cursor follows its row (not its index) across refreshes and sorts. Cells are
rendered by content (tui/panels/table_render.py).
"""

from __future__ import annotations

from collections.abc import Container, KeysView, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from rich.text import Text
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from tui.panels.cells import KeyedText
from tui.panels.table_render import ContentRenderedTable, RenderCounts


def _same(old: Any, new: Any) -> bool:
    if old is new:  # cached cells (CPU bars) come back as the same object
        return True
    if isinstance(old, Text) and isinstance(new, Text):
        return old.plain == new.plain and old.spans == new.spans and old.style == new.style
    return bool(old == new)


def _length(cell: Any) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(str(cell))


REMOVE_ONE_BY_ONE_AT_MOST = 32


@dataclass
class SyncCounts(RenderCounts):
    """What `sync` did, counted since the table was made (tests and benches read it);
    with the cells drawn (RenderCounts)."""

    cell_updates: int = 0  # cells changed in place
    rows_added: int = 0
    rows_removed: int = 0
    row_repaints: int = 0  # rows repainted one by one
    full_repaints: int = 0  # whole-table repaints (rows came or went, a column widened)


class KeyedTable(ContentRenderedTable):
    """Columns are fixed at construction; the first column must hold a `KeyedText`."""

    _defer_refresh = False  # a class default: DataTable.__init__ refreshes already

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_spec = list(columns)
        self._shown: dict[str, tuple[Any, ...]] = {}
        self._order: dict[str, int] = {}
        self._order_list: list[str] = []
        self.counts: SyncCounts = SyncCounts()  # the public repaint hook

    def refresh(self, *args: Any, **kwargs: Any) -> Self:
        # update_cell refreshes the whole table on every call; during `sync` one
        # refresh at the end does the same work once instead of once per cell
        if self._defer_refresh and not args and not kwargs:
            return self
        return super().refresh(*args, **kwargs)

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._column_spec]

    @property
    def shown_keys(self) -> KeysView[str]:
        return self._shown.keys()

    def cells_of(self, key: str) -> tuple[Any, ...] | None:
        """The cells shown for a row (None if it is not shown)."""
        return self._shown.get(key)

    @property
    def ordered_keys(self) -> list[str]:
        """The row keys in the order of the last sync."""
        return self._order_list

    def rows_in_view(self, margin: int | None = None, around: int | None = None) -> range:
        """Row indexes on screen (or a screen centred on row `around`), with `margin`
        rows (default one screen) either side."""
        height = max(1, self.size.height)
        margin = height if margin is None else margin
        top = int(self.scroll_y) if around is None else max(0, around - height // 2)
        return range(max(0, top - margin), top + height + margin)

    def set_columns(self, columns: Sequence[tuple[str, str]]) -> None:
        """Replace the columns (e.g. a GPU column when a GPU node joins); rows go too."""
        if list(columns) == self._column_spec:
            return
        self._column_spec = list(columns)
        self.clear(columns=True)
        self._shown, self._order, self._order_list = {}, {}, []
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return None if row_key.value is None else str(row_key.value)

    def sync(self, rows: Mapping[str, Sequence[Any]], order: Sequence[str], *,
             keep_others: bool = False) -> None:
        """Show exactly `rows` (key -> cells) in `order` (keys, first row first).
        With `keep_others`, the rows of `order` missing from `rows` keep the cells they
        have (a big table passes only the rows near the screen)."""
        selected = self.selected_key
        column_keys = self.column_keys
        self._defer_refresh = True
        try:
            changed = self._apply_cells(rows, set(order) if keep_others else rows,
                                        column_keys)
        finally:
            self._defer_refresh = False
        # Repaint only what changed: on a live but idle cluster that is a few rows whose
        # CPU figure moved, not the whole table every poll.
        if changed is None or len(changed) > self.size.height:  # one repaint is cheaper then
            self.counts.full_repaints += 1
            self.refresh()
        else:
            self.counts.row_repaints += len(changed)
            for key in changed:
                self.refresh_row(self.get_row_index(key))
        self._order_list = list(order)
        new_order = {key: index for index, key in enumerate(order)}
        if new_order != self._order or len(self._order) != len(self._shown):
            self._order = new_order
            last = len(new_order)
            self.sort(column_keys[0], key=lambda cell: new_order.get(cell.row_key, last))
        if selected is not None and selected in self._shown:
            self._move_to(selected)

    def _apply_cells(self, rows: Mapping[str, Sequence[Any]], wanted: Container[str],
                     column_keys: list[str]) -> set[str] | None:
        """Bring the shown cells to `rows`: the keys of the rows that changed, or None
        when rows came or went or a column widened (the whole table moves then)."""
        changed: set[str] = set()
        everything = False
        gone = [k for k in self._shown if k not in wanted]
        if len(gone) > REMOVE_ONE_BY_ONE_AT_MOST:
            # DataTable.remove_row renumbers every row (O(rows) each): past a few dozen,
            # starting over and adding the rows back is far cheaper
            self.clear()
            self.counts.rows_removed += len(self._shown)
            self._shown, self._order = {}, {}
            gone = []
        for key in gone:
            self.remove_row(key)
            del self._shown[key]
            self.counts.rows_removed += 1
            everything = True
        for key, cells in rows.items():
            cells = tuple(cells)
            old = self._shown.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                self.counts.rows_added += 1
                everything = True
            else:
                for column, before, after in zip(column_keys, old, cells, strict=True):
                    if not _same(before, after):
                        # widths are recomputed only when a cell grows (cheap otherwise)
                        wider = _length(after) > _length(before)
                        self.update_cell(key, column, after, update_width=wider)
                        self.counts.cell_updates += 1
                        everything = everything or wider
                        changed.add(key)
            self._shown[key] = cells
        return None if everything else changed

    def _move_to(self, key: str) -> None:
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)

    def first_cell(self, text: str, key: str, style: str = "") -> KeyedText:
        return KeyedText(text, key, style)
