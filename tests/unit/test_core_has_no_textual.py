"""tui/core never imports Textual: the headless commands and scripts must not need it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tui.core


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(tui.core.__path__, "tui.core."))


def test_core_modules_are_found() -> None:
    # guards the real test below against checking an empty list
    assert {"tui.core.collector", "tui.core.detect", "tui.core.sources.state_api"} <= set(
        core_modules())


def test_importing_every_core_module_never_imports_textual() -> None:
    modules = core_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(bad), bad[:5])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "0", result.stdout


def test_headless_commands_never_import_textual() -> None:
    code = (
        "import sys\n"
        "from tui.cli import build_parser\n"
        "import tui.commands.headless, tui.core.collector\n"
        "build_parser()\n"
        "print(int(any(m == 'textual' or m.startswith('textual.') for m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
