"""The whole text of an error (the traceback as Ray stores it): scrollable, copyable."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from rich.text import Text
from textual.binding import Binding

from tui.screens.text_modal import TextModal


def save_error_text(text: str, directory: Path | None = None) -> Path:
    """A file with the text, for terminals that do not take OSC 52 clipboard writes."""
    folder = directory or Path(tempfile.gettempdir())
    path = folder / f"raytui-error-{os.getuid()}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text(text, encoding="utf-8")
    return path


class ErrorTextScreen(TextModal):
    BINDINGS = [Binding("c", "copy", "Copy")]
    ID_PREFIX = "error"
    HINT = "c copies · esc closes"
    DEFAULT_CSS = """
    ErrorTextScreen > VerticalScroll { width: 100; height: 100%; border: round $error; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__(title)
        self.text = text
        self.saved_to: Path | None = None

    def first_body(self) -> Text:
        return Text(self.text or "(Ray stored no text for this error)")

    def action_copy(self) -> None:
        # OSC 52 reaches the clipboard through SSH in most terminals; a file always works
        self.app.copy_to_clipboard(self.text)
        try:
            self.saved_to = save_error_text(self.text)
        except OSError as err:
            self.notify(f"sent to the clipboard (OSC 52); could not save a copy: "
                        f"{err.strerror or err}", timeout=6)
            return
        self.notify(f"sent to the clipboard (OSC 52, if your terminal allows it); "
                    f"also saved to {self.saved_to}", timeout=8)
