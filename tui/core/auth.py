"""The cluster's auth token: where it is read from, and how Ray's own clients and ours
send it. Never printed: callers pass it on in a header only."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path


def read_auth_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The cluster token from RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token."""
    env = os.environ if environ is None else environ
    token = env.get("RAY_AUTH_TOKEN", "").strip()
    if token:
        return token
    path = Path(env.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    try:
        return path.expanduser().read_text().strip() or None
    except OSError:
        return None


def enable_token_mode() -> None:
    """Make Ray's own clients (driver, state API, jobs) send the token when one exists.

    Ray 2.60 clusters require it, but Ray's clients only send it in token mode, and
    Ray caches the mode at import: setting RAY_AUTH_MODE alone is too late, so the
    cached config is refreshed through Ray's own helper.
    """
    if "RAY_AUTH_MODE" in os.environ or not read_auth_token():
        return
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # another Ray version: the variable is the documented switch
        os.environ["RAY_AUTH_MODE"] = "token"
        return
    logger = logging.getLogger("ray._private.authentication.authentication_token_setup")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its "token auth is enabled" warning is noise for us
    try:
        maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    finally:
        logger.setLevel(level)


def auth_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
