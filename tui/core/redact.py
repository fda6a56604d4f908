"""Masking secrets in command lines (`--redact`, or RAYTUI_REDACT=1).

A worker's title can be a driver's full command line, with whatever secrets were
passed as arguments. The JSON and the screen keep titles as Ray reports them;
redaction masks the value of every `--*key*`, `--*token*`, `--*secret*` and
`--*password*` argument (`--api-key=XYZ`, `--db-password XYZ`) as `***`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from tui.core.model import Snapshot

REDACT_ENV = "RAYTUI_REDACT"
MASK = "***"
_SECRET_ARG = re.compile(
    r"(?P<flag>--[\w.-]*(?:key|token|secret|password)[\w.-]*)(?P<sep>=|\s+)(?P<value>(?!--)\S+)",
    re.IGNORECASE)


def redact_text(text: str) -> str:
    return _SECRET_ARG.sub(lambda m: f"{m['flag']}{m['sep']}{MASK}", text)


def redaction_wanted(flag: bool, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return flag or env.get(REDACT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def redact_snapshot(snapshot: Snapshot) -> Snapshot:
    """The snapshot with every worker title's secret arguments masked."""
    workers = tuple(dataclasses.replace(w, title=redact_text(w.title))
                    if _SECRET_ARG.search(w.title) else w for w in snapshot.workers)
    return dataclasses.replace(snapshot, workers=workers)
