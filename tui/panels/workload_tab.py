"""The Workload tab as a `Panel`: it holds the WorkloadPanel (tui/panels/workload.py).

The workload's own updates reach the WorkloadPanel by message (`WorkloadChanged`), not
through snapshots, so `show` has nothing to draw and no row can be selected here.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from tui.core.model import Snapshot
from tui.panels.protocol import Detail
from tui.panels.view import ViewState
from tui.panels.workload import WorkloadPanel


class WorkloadTab(Vertical):
    def compose(self) -> ComposeResult:
        yield WorkloadPanel(id="workload-panel")

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        pass  # updates come from the workload run, see RaytuiApp.on_workload_changed

    def selected_detail(self) -> Detail | None:
        return None
