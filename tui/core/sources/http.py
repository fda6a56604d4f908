"""A small JSON-over-HTTP client for the dashboard, shared by the HTTP sources.

Keeps one keep-alive session (a poll makes several requests to the same host),
sends the cluster token, and turns every failure into `SourceError` with one line.
"""

from __future__ import annotations

from typing import Any

import requests

from tui.core.connection import auth_headers, read_auth_token


class SourceError(RuntimeError):
    """A source could not answer; the message is one line, safe to show (no token)."""


class DashboardHttp:
    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers.update(auth_headers(read_auth_token()))

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET base_url+path and return the `data` member of Ray's JSON envelope."""
        url = self.base_url + path
        try:
            response = self._session.get(url, params=params, timeout=self.timeout_s)
        except requests.Timeout:
            raise SourceError(f"{path}: no answer within {self.timeout_s:g} s") from None
        except requests.RequestException as err:
            raise SourceError(f"{path}: dashboard unreachable ({type(err).__name__})") from None
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
