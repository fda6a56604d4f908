"""tui/core never imports Textual: the headless commands and scripts must not need it
(checked in a fresh interpreter, with test_imports.py's probe)."""

from __future__ import annotations

import pkgutil

import tui.core
from tests.unit.test_imports import loaded_after


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(tui.core.__path__, "tui.core."))


def test_core_modules_are_found() -> None:
    # guards the real test below against checking an empty list
    assert {"tui.core.collector", "tui.core.detect", "tui.core.sources.state_api"} <= set(
        core_modules())


def test_importing_every_core_module_never_imports_textual() -> None:
    code = f"import importlib\nfor name in {core_modules()!r}:\n    importlib.import_module(name)"
    assert "textual" not in loaded_after(code)


def test_headless_commands_never_import_textual() -> None:
    code = ("from tui.cli import build_parser\n"
            "import tui.commands.headless, tui.core.collector\n"
            "build_parser()")
    assert "textual" not in loaded_after(code)
