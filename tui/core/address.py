"""Cluster addresses: which one (the flag, `RAY_ADDRESS`, else an embedded local cluster),
what it is (Ray's accepted forms), and whether anything answers there.

Accepted forms are those Ray accepts: `auto`, `host:port` (the GCS) and
`http(s)://host:port` (the dashboard). Errors a user can cause become
`AddressError`/`ConnectError` with a one-line message, never a hang. Connecting to
what an address names is `tui/core/connection.py`'s.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

DEFAULT_DASHBOARD_PORT = 8265
REACH_TIMEOUT_S = 3.0

AddressKind = Literal["local", "auto", "gcs", "dashboard"]


class AddressError(ValueError):
    """A malformed address (a usage error)."""


class ConnectError(RuntimeError):
    """The address is well formed but no Ray cluster answers there."""


@dataclass(frozen=True)
class ClusterAddress:
    kind: AddressKind
    value: str | None = None  # "host:port" for gcs, a URL for dashboard, None otherwise
    source: str = "default"  # "flag", "RAY_ADDRESS" or "default": named in error messages

    def describe(self) -> str:
        if self.kind == "local":
            return "embedded local cluster"
        return f"{self.value} (from {self.source})" if self.source != "flag" else str(self.value)


def resolve_address(flag: str | None, environ: Mapping[str, str] | None = None) -> ClusterAddress:
    env = os.environ if environ is None else environ
    if flag is not None and not flag.strip():
        # `--address ""` is a mistake (an unset variable in a script), not a request to
        # start a new cluster: say so instead of silently starting one
        raise AddressError("--address is empty: give host:port (GCS), http://host:8265 "
                           "(dashboard) or auto, or leave the flag out to start a local cluster")
    if flag is not None:
        return parse_address(flag.strip(), "flag")
    from_env = env.get("RAY_ADDRESS", "").strip()
    if from_env:
        return parse_address(from_env, "RAY_ADDRESS")
    return ClusterAddress("local")


def parse_address(text: str, source: str = "flag") -> ClusterAddress:
    if text in ("auto", "local"):
        return ClusterAddress("auto" if text == "auto" else "local", None, source)
    if text.startswith("ray://"):
        raise AddressError(
            f"address {text!r}: Ray Client (ray://) is not supported; "
            "use the GCS address host:6379 or the dashboard URL http://host:8265"
        )
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AddressError(
                f"address {text!r}: expected http://host:port for a dashboard URL"
            )
        try:
            port = parts.port or DEFAULT_DASHBOARD_PORT
        except ValueError as err:
            raise AddressError(f"address {text!r}: the port is not a number") from err
        _check_port(text, port)
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return ClusterAddress("dashboard", f"{parts.scheme}://{host}:{port}", source)
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text:
        raise AddressError(
            f"address {text!r}: expected host:port (GCS, e.g. 127.0.0.1:6379), "
            "http://host:8265 (dashboard) or auto"
        )
    if not port_text.isdigit():
        raise AddressError(f"address {text!r}: the port {port_text!r} is not a number")
    _check_port(text, int(port_text))
    return ClusterAddress("gcs", f"{host}:{int(port_text)}", source)


def _check_port(text: str, port: int) -> None:
    if not 0 < port < 65536:
        raise AddressError(f"address {text!r}: port {port} is out of range 1-65535")


def split_host_port(hostport: str) -> tuple[str, int]:
    host, _, port = hostport.rpartition(":")
    return host.strip("[]"), int(port)


def check_reachable(host: str, port: int, what: str, timeout: float = REACH_TIMEOUT_S) -> None:
    """Fail fast with a clear message instead of letting Ray retry for a minute."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise ConnectError(
            f"cannot reach Ray at {what}: {reason}. Check that the cluster is running "
            f"(`ray status`), the host and port are right, and no firewall is in between"
        ) from err
