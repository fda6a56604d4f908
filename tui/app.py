"""The Textual monitor."""

from __future__ import annotations

import argparse

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from tui.core.connection import BackgroundConnection, resolve_address


class RaytuiApp(App[int]):
    TITLE = "raytui"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, background: BackgroundConnection) -> None:
        super().__init__()
        self.background = background

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("starting Ray...", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.2, self._check_connection)

    def _check_connection(self) -> None:
        status = self.query_one("#status", Static)
        if not self.background.ready.is_set():
            return
        if self.background.error is not None:
            status.update(f"cannot connect: {self.background.error}")
        else:
            status.update(f"connected to {self.background.connection.describe()}")


def run_app(args: argparse.Namespace) -> int:
    address = resolve_address(args.address)
    background = BackgroundConnection(address, args.num_cpus).start()
    try:
        RaytuiApp(background).run()
    finally:
        background.stop()
    return 0
