"""Rows under collapsible group rows (workers by node, actors by class).

A big cluster has 16,000 workers: a DataTable with that many rows is slow to build and
useless to scroll. So the table holds one summary row per group and the rows of the
open groups only. Groups are open by default when the whole list is small (a one- or
two-node cluster looks as it always did); the user's toggles win over the default;
a filter opens the groups it matches in (up to a budget of rows).

Keys: enter toggles the group under the cursor, → opens it, ← closes the group of
the row under the cursor (and puts the cursor on its group row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.binding import Binding
from textual.message import Message

from tui.panels.keyed_table import KeyedTable

GROUP_PREFIX = "group:"
OPEN_WHEN_AT_MOST = 200  # rows: a list this small opens every group by default
FILTER_OPENS_AT_MOST = 2_000  # rows a filter may open; further matching groups stay closed


def group_key(group_id: str) -> str:
    return GROUP_PREFIX + group_id


def group_of_key(key: str) -> str | None:
    """The group id if `key` is a group row's key."""
    return key[len(GROUP_PREFIX):] if key.startswith(GROUP_PREFIX) else None


class Expansion:
    """Which groups are open: the user's toggles over a default."""

    def __init__(self) -> None:
        self._toggled: dict[str, bool] = {}

    def is_open(self, group_id: str, default: bool) -> bool:
        return self._toggled.get(group_id, default)

    def set(self, group_id: str, is_open: bool) -> None:
        self._toggled[group_id] = is_open

    def forget_all_but(self, group_ids: Mapping[str, Any]) -> None:
        """Drop the toggles of groups that are gone (a node that left)."""
        if len(self._toggled) > len(group_ids):
            self._toggled = {g: v for g, v in self._toggled.items() if g in group_ids}


class GroupedTable(KeyedTable):
    """A KeyedTable whose rows may belong to groups; → and ← open and close them."""

    BINDINGS = [
        Binding("right", "open_group", "Open group", show=False),
        Binding("left", "close_group", "Close group", show=False),
    ]

    class Toggle(Message):
        """Open (True), close (False) or flip (None) a group; handled by the panel."""

        def __init__(self, table: GroupedTable, group_id: str, is_open: bool | None) -> None:
            super().__init__()
            self.table = table
            self.group_id = group_id
            self.is_open = is_open

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(columns, **kwargs)
        self.group_of: dict[str, str] = {}  # member row key -> its group id

    def selected_group(self) -> str | None:
        """The group of the row under the cursor (a group row or one of its members)."""
        key = self.selected_key
        if key is None:
            return None
        return group_of_key(key) or self.group_of.get(key)

    def action_open_group(self) -> None:
        key = self.selected_key
        group = group_of_key(key) if key is not None else None
        if group is not None:
            self.post_message(self.Toggle(self, group, True))

    def action_close_group(self) -> None:
        group = self.selected_group()
        if group is not None:
            self.post_message(self.Toggle(self, group, False))

    def toggle_selected(self) -> bool:
        """Flip the group row under the cursor; False when the cursor is not on one."""
        key = self.selected_key
        group = group_of_key(key) if key is not None else None
        if group is None:
            return False
        self.post_message(self.Toggle(self, group, None))
        return True

    def move_to_key(self, key: str) -> None:
        if key in self.shown_keys:
            self._move_to(key)
