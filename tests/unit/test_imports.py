"""Import hygiene, checked in a fresh interpreter (the import-linter contracts in
pyproject.toml check the static graph; these check what really loads at run time).

- building the argument parser and replaying a recording load no Ray: `raytui replay FILE`
  and `raytui --help` must not pay a second for an import they never use;
- the launch package's descriptors load neither Ray nor Textual (the form, the keys and
  the CLI all read them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import RAYTUI


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a new interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_probe_sees_ray_when_it_is_imported() -> None:
    # guards the tests below against a probe that never reports anything
    assert "ray" in loaded_after("import ray")


def test_building_the_parser_imports_no_ray() -> None:
    loaded = loaded_after("import tui.cli\ntui.cli.build_parser()")
    assert "ray" not in loaded
    assert "textual" not in loaded


def test_parsing_command_lines_imports_no_ray() -> None:
    # Not `run gsod` nor `gsod synth`: their flags' defaults live in workloads.gsod.compare,
    # which imports Ray; they are filled in only when one of those commands is parsed.
    code = ("import tui.cli\n"
            "p = tui.cli.build_parser()\n"
            "for argv in (['run', 'fib', '--size', '10'], ['lab', 'io', '--sizes', '1k'],\n"
            "             ['replay', 'x.jsonl'], ['snapshot'], ['watch'], []):\n"
            "    p.parse_args(argv)\n")
    assert "ray" not in loaded_after(code)


def test_flags_filled_on_demand_are_there_when_parsed() -> None:
    from tui.cli import build_parser

    args = build_parser().parse_args(["run", "gsod", "--scale", "0.5", "--years", "1990", "2000"])
    assert (args.scale, args.years, args.json) == (0.5, [1990, 2000], False)
    assert args.address is None and callable(args.handler)
    result = subprocess.run([RAYTUI, "run", "gsod", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--high-temp" in result.stdout and "--address" in result.stdout


def test_replay_loads_no_ray(tmp_path: Path) -> None:
    # what `raytui replay FILE` imports before its app runs, and the app itself
    code = ("import tui.cli\n"
            "args = tui.cli.build_parser().parse_args(['replay', 'x.jsonl'])\n"
            "import tui.commands.replay, tui.core.record, tui.replay\n")
    assert "ray" not in loaded_after(code)


def test_replay_help_runs_without_ray(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", RAYTUI, "replay", "--help"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "a JSONL recording" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "tui.cli" in imported  # the probe read the import log
    assert "ray" not in imported


def test_the_workload_descriptors_import_neither_ray_nor_textual() -> None:
    loaded = loaded_after("import tui.launch.fibonacci, tui.launch.gsod, tui.launch.lab, "
                          "tui.launch.job_run")
    assert not loaded & {"ray", "textual"}, loaded & {"ray", "textual"}


def test_core_imports_no_workloads() -> None:
    code = ("import importlib, pkgutil, tui.core\n"
            "for m in pkgutil.walk_packages(tui.core.__path__, 'tui.core.'):\n"
            "    importlib.import_module(m.name)\n")
    loaded = loaded_after(code)
    assert "tui" in loaded
    assert "workloads" not in loaded
