"""Small text helpers shared by the core and the UI."""

from __future__ import annotations


def first_line(text: object, limit: int | None = None) -> str:
    """The first non-empty line of a message (an error's text, a traceback's last word)."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line[:limit] if limit is not None else line


def error_line(err: BaseException) -> str:
    """One line for an exception: its first line, or its type when it says nothing."""
    return first_line(err) or type(err).__name__


def last_line(text: object, limit: int = 300) -> str | None:
    """The last non-empty line: what a Python traceback says happened."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[-1][:limit] if lines else None
