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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Generic, Protocol, TypeVar

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable

from tui.core.model import Snapshot
from tui.panels.keyed_table import KeyedTable
from tui.panels.view import ViewState

GROUP_PREFIX = "group:"
OPEN_WHEN_AT_MOST = 200  # rows: a list this small opens every group by default
FILTER_OPENS_AT_MOST = 300  # rows a filter opens (a few screens; adding rows is what costs)


Member = TypeVar("Member")
MemberT_co = TypeVar("MemberT_co", covariant=True)


class Group(Protocol[MemberT_co]):
    """What the layout needs of a panel's group (a node's workers, a class's actors)."""

    @property
    def group_id(self) -> str: ...

    @property
    def matching(self) -> Sequence[MemberT_co]:
        """The members the filter keeps (all of them without a filter)."""


GroupT = TypeVar("GroupT", bound=Group[Any])


def by_key(items: Iterable[Member], key: Callable[[Member], str]) -> dict[str, list[Member]]:
    """Items in lists by `key`, in the order first seen. Runs over every row every poll:
    `groupby` takes each run of equal keys in C (a node's workers mostly come together)."""
    groups: dict[str, list[Member]] = {}
    for name, run in groupby(items, key):
        members = groups.get(name)
        if members is None:
            groups[name] = list(run)
        else:
            members.extend(run)
    return groups


@dataclass
class GroupLayout(Generic[GroupT, Member]):
    """The rows to show, in order: group rows (when grouped) and the open groups' members."""

    order: list[str] = field(default_factory=list)
    group_rows: dict[str, tuple[GroupT, bool]] = field(default_factory=dict)  # key -> open?
    members: dict[str, Member] = field(default_factory=dict)  # member row key -> member


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


BUILD_MARGIN = 4  # rows built beyond the screen's edges (a scroll past them redraws)


def rows_to_build(table: KeyedTable, order: Sequence[str]) -> range:
    """Indexes (in `order`) of the rows that will be on screen after the sync: the view
    stays where it is while the selected row stays in it, else DataTable scrolls the
    least that shows that row, which puts it at the top edge (it went up) or the bottom
    edge (it went down). The header's row and the margin cover the edges' slack."""
    height = max(1, table.size.height)
    top = int(table.scroll_y)
    selected = table.selected_key
    index = order.index(selected) if selected is not None and selected in order else None
    if index is not None and not top <= index < top + height:
        top = index if index < top else max(0, index - height + 1)
    return range(max(0, top - BUILD_MARGIN), top + height + BUILD_MARGIN)


def rows_to_sync(table: KeyedTable, order: Sequence[str],
                 build: Callable[[str], Sequence[object]]) -> dict[str, Sequence[object]]:
    """Cells for the rows on screen after the sync (`rows_to_build`) and the rows not
    shown yet; sync the table with `keep_others`, so the other rows keep the cells they
    have (nobody sees them until a scroll, and a scroll redraws). Ordering and filtering
    still see every row."""
    shown = table.shown_keys
    rows = {order[i]: build(order[i]) for i in rows_to_build(table, order) if i < len(order)}
    rows.update((key, build(key)) for key in [k for k in order if k not in shown]
                if key not in rows)
    if isinstance(table, GroupedTable):
        table.fresh_keys = set(rows)
    return rows


class GroupedTable(KeyedTable):
    """A KeyedTable whose rows may belong to groups; → and ← open and close them."""

    BINDINGS = [
        Binding("right", "open_group", "Open the group (enter toggles it)", show=False),
        Binding("left", "close_group", "Close the group", show=False),
    ]

    class Toggle(Message):
        """Open (True), close (False) or flip (None) a group; handled by the panel."""

        def __init__(self, table: GroupedTable, group_id: str, is_open: bool | None) -> None:
            super().__init__()
            self.table = table
            self.group_id = group_id
            self.is_open = is_open

    class Scrolled(Message):
        """The rows on screen changed: rows built for the screen only need redrawing."""

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(columns, **kwargs)
        self.group_of: dict[str, str] = {}  # member row key -> its group id
        self.fresh_keys: set[str] = set()  # rows whose cells the last sync built

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value) and not self._view_is_fresh():
            self.post_message(self.Scrolled())

    def _view_is_fresh(self) -> bool:
        order = self.ordered_keys
        return all(order[i] in self.fresh_keys
                   for i in self.rows_in_view(margin=0) if i < len(order))

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


class GroupedPanel(Vertical):
    """A panel over one GroupedTable (id `TABLE_ID`): enter on a group row and →/←
    open and close groups, and a scroll draws the rows that came into view. Subclasses
    draw in `show` and list the open groups in `open_groups` as they draw."""

    TABLE_ID = ""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.expansion = Expansion()
        # what was drawn last: needed to redraw on resize, scroll, open/close and details
        self._last: tuple[Snapshot, ViewState] | None = None
        self.open_groups: list[str] = []
        self._table: GroupedTable | None = None

    @property
    def table(self) -> GroupedTable:
        # looked up once: a DOM query per row built costs more than the row (~15 us)
        table = self._table
        if table is None:
            table = self._table = self.query_one(f"#{self.TABLE_ID}", GroupedTable)
        return table

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        raise NotImplementedError

    def lay_out(self, groups: Iterable[GroupT], *, rows: int, filtering: bool,
                group_sort: Callable[[GroupT], Any], member_sort: Callable[[Member], Any],
                member_key: Callable[[Member], str]) -> GroupLayout[GroupT, Member]:
        """Order the groups and the members of the open ones, and note which groups are
        open (`open_groups`, `table.group_of`). One group is no group: its members are
        the rows. Every group is sorted (the order is over all rows); only the open
        groups' members are."""
        groups = list(groups)
        grouped = len(groups) > 1
        self.expansion.forget_all_but({g.group_id: g for g in groups})
        small = rows <= OPEN_WHEN_AT_MOST
        budget = FILTER_OPENS_AT_MOST
        layout: GroupLayout[GroupT, Member] = GroupLayout()
        group_of: dict[str, str] = {}
        self.open_groups = []
        for group in sorted(groups, key=group_sort):
            if not group.matching:
                continue
            is_open = True
            if grouped:
                default = small or (filtering and len(group.matching) <= budget)
                is_open = self.expansion.is_open(group.group_id, default)
                key = group_key(group.group_id)
                layout.group_rows[key] = (group, is_open)
                layout.order.append(key)
            if not is_open:
                continue
            self.open_groups.append(group.group_id)
            if filtering:
                budget -= len(group.matching)
            for member in sorted(group.matching, key=member_sort):
                key = member_key(member)
                layout.order.append(key)
                group_of[key] = group.group_id
                layout.members[key] = member
        self.table.group_of = group_of
        return layout

    def draw(self, layout: GroupLayout[GroupT, Member],
             group_row: Callable[[GroupT, bool], Sequence[object]],
             member_row: Callable[[Member], Sequence[object]]) -> None:
        """Sync the table to the layout, building cells only for the rows near the screen."""
        group_rows, members = layout.group_rows, layout.members

        def build(key: str) -> Sequence[object]:
            group = group_rows.get(key)
            return group_row(*group) if group is not None else member_row(members[key])

        table = self.table
        table.sync(rows_to_sync(table, layout.order, build), layout.order, keep_others=True)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.table and self.table.toggle_selected():
            event.stop()  # a group row opens or closes; other rows go on to details

    @on(GroupedTable.Scrolled)
    def _scrolled(self, message: GroupedTable.Scrolled) -> None:
        message.stop()
        if self._last is not None:  # rows came into view: draw them as of now
            self.show(*self._last)

    @on(GroupedTable.Toggle)
    def _toggle(self, message: GroupedTable.Toggle) -> None:
        message.stop()
        if self._last is None:
            return
        is_open = message.is_open
        if is_open is None:
            is_open = message.group_id not in self.open_groups
        self.expansion.set(message.group_id, is_open)
        self.show(*self._last)
        if not is_open:
            self.table.move_to_key(group_key(message.group_id))
