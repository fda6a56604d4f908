"""A small JSON-over-HTTP client for the dashboard, shared by the HTTP sources.

Keeps one keep-alive session (a poll makes several requests to the same host, many
at once: its connection pool holds `POOL_SIZE`), sends the cluster token, and turns
every failure into `SourceError` with one line: `Unreachable` when nothing answers at
the address (refused, reset, DNS), `NoAnswer` when the call ran out of time.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tui.core.connection import auth_headers, read_auth_token

POOL_SIZE = 32  # concurrent requests of one poll (the per-node budget plus the rest)


class SourceError(RuntimeError):
    """A source could not answer; the message is one line, safe to show (no token)."""


class Unreachable(SourceError):
    """Nothing answers at the dashboard's address: the cluster (or its head) is gone."""


class NoAnswer(SourceError):
    """The dashboard took longer than the call's timeout (it may just be busy)."""


class DashboardHttp:
    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers.update(auth_headers(read_auth_token()))
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def get(self, path: str, params: dict[str, Any] | None = None,
            timeout_s: float | None = None) -> Any:
        """GET base_url+path and return the `data` member of Ray's JSON envelope."""
        url = self.base_url + path
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            response = self._session.get(url, params=params, timeout=timeout)
        except requests.Timeout:
            raise NoAnswer(f"{path}: no answer within {timeout:g} s") from None
        except requests.RequestException as err:
            raise Unreachable(f"{path}: dashboard unreachable ({type(err).__name__})") from None
        if response.status_code in (401, 403):
            raise SourceError(f"{path}: HTTP {response.status_code}, the cluster token is "
                              "missing or wrong (RAY_AUTH_TOKEN / ~/.ray/auth_token)")
        if response.status_code != 200:
            raise SourceError(f"{path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"{path}: the answer is not JSON") from None
        if not isinstance(body, dict) or body.get("result") is False:
            message = body.get("msg", "") if isinstance(body, dict) else ""
            raise SourceError(f"{path}: {str(message).splitlines()[0] if message else 'failed'}")
        return body.get("data", {})

    def close(self) -> None:
        self._session.close()
