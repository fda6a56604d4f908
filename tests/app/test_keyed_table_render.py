"""KeyedTable renders a cell once per content (not once per table update): the same
content on another row is reused with that row's mouse meta, a changed cell is drawn
new, and a click on a reused cell selects the row clicked."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.panels.keyed_table import KeyedTable

COLUMNS = [("name", "name"), ("state", "state")]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable(COLUMNS, id="table")


def rows(table: KeyedTable, states: dict[str, str]) -> dict[str, tuple[object, ...]]:
    return {key: (table.first_cell(key, key), state) for key, state in states.items()}


def lines(table: KeyedTable) -> list[list[str]]:
    return [table.render_line(y).text.split() for y in range(1, table.row_count + 1)]


async def test_a_reused_cell_keeps_its_row_and_a_changed_cell_is_drawn_new() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(KeyedTable)
        # the cursor (and the hover, at first) is on alpha's row; gamma and delta show
        # the same "busy"
        states = {"alpha": "busy", "beta": "idle", "gamma": "busy", "delta": "busy"}
        table.sync(rows(table, states), list(states))
        await pilot.pause()
        assert lines(table) == [["alpha", "busy"], ["beta", "idle"], ["gamma", "busy"],
                                ["delta", "busy"]]
        assert table.counts.cells_rendered == 7 and table.counts.cells_reused >= 1
        states["gamma"] = "done"  # one cell changes: only it is drawn by Rich again
        table.sync(rows(table, states), list(states))
        await pilot.pause()
        assert lines(table)[2:] == [["gamma", "done"], ["delta", "busy"]]
        assert table.counts.cells_rendered == 8
        # beta moves to the last row, where no "idle" was drawn: its cell is reused, and
        # a click on it must select beta (DataTable reads the row from the mouse meta)
        table.sync(rows(table, states), ["alpha", "gamma", "delta", "beta"])
        await pilot.pause()
        assert lines(table)[3] == ["beta", "idle"]
        assert table.counts.cells_rendered == 8  # nothing drawn new: only moved
        await pilot.click(KeyedTable, offset=(12, 4))  # beta's state cell
        await pilot.pause()
        assert table.selected_key == "beta"
