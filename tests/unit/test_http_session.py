"""The dashboard session reads the environment once (proxies, CA bundle), not per request."""

from __future__ import annotations

import pytest

from tui.core.sources.http import DashboardHttp


def test_the_environments_proxy_for_the_dashboard_is_kept_and_not_read_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    http = DashboardHttp("http://10.0.0.1:8265")
    try:
        assert http._session.proxies.get("http") == "http://proxy.example:3128"
        assert http._session.trust_env is False  # no ~/.netrc or proxy lookup a request
    finally:
        http.close()


def test_no_proxy_for_the_dashboard_and_a_ca_bundle_are_honoured(
        monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "10.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/our-ca.pem")
    http = DashboardHttp("http://10.0.0.1:8265")
    try:
        assert "http" not in http._session.proxies
        assert http._session.verify == "/etc/ssl/our-ca.pem"
    finally:
        http.close()
