"""Asking an address what answers there, without becoming a Ray driver.

The monitor talks to a cluster over the dashboard's HTTP API only. Given a GCS
address (`host:port`) it still needs that dashboard's URL, which the GCS keeps in
its internal KV (key `dashboard`, namespace `dashboard`: what Ray's own job and state
clients read, `ray.dashboard.utils.ray_address_to_api_server_url`). That one read
runs in a short-lived child process (`python -m tui.core.reach HOST:PORT`): Ray's
C++ GCS client then never lives in this process, so it cannot end it when the GCS
goes away (a driver's does, ~60 s later), its warnings never reach our terminal,
and a hung lookup is bounded by killing the child.

Every failure is a `ConnectError` with one line that says what to check; no
message ever holds the token.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from typing import IO

from tui.core.address import ConnectError, check_reachable, split_host_port
from tui.core.auth import auth_headers, read_auth_token
from tui.core.text import error_line

PROBE_TIMEOUT_S = 3.0
LOOKUP_TIMEOUT_S = 12.0
TOKEN_HINT = ("check RAY_AUTH_TOKEN, or the file RAY_AUTH_TOKEN_PATH names "
              "(default ~/.ray/auth_token)")

# An HTTP/2 client preface and an empty SETTINGS frame: a gRPC server (the GCS)
# answers with a SETTINGS frame; an HTTP/1 server (a dashboard) does not.
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
_H2_SETTINGS = 0x04


@dataclass(frozen=True)
class DashboardInfo:
    url: str
    session_name: str  # changes when a new cluster answers at the same address
    ray_version: str = ""


def probe_gcs(hostport: str, what: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Fail in seconds when nothing, or something other than a GCS, listens there."""
    host, port = split_host_port(hostport)
    check_reachable(host, port, what, timeout)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_H2_PREFACE)
            head = _read_some(sock, 9)
    except OSError as err:
        raise ConnectError(f"{what} does not answer like a Ray GCS ({error_line(err)})") from None
    if len(head) >= 4 and head[3] == _H2_SETTINGS and not head.startswith(b"HTTP/"):
        return
    looks = "an HTTP server (a dashboard? then use http://" + hostport + ")" \
        if head.startswith(b"HTTP/") else "something that is not a Ray GCS"
    raise ConnectError(f"{what} is not a Ray GCS: it answers like {looks}")


def _read_some(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def check_dashboard(url: str, what: str, timeout: float = PROBE_TIMEOUT_S) -> DashboardInfo:
    """GET /api/version with the token: proves it is a Ray dashboard and the token works."""
    import requests

    try:
        response = requests.get(url.rstrip("/") + "/api/version", timeout=timeout,
                                headers=auth_headers(read_auth_token()))
    except requests.Timeout:
        raise ConnectError(f"{what}: no answer within {timeout:g} s") from None
    except requests.ConnectionError as err:
        if _is_refused(err):
            raise ConnectError(f"cannot reach Ray at {what}: connection refused. Check that "
                               "the cluster is running and the port is right") from None
        raise ConnectError(f"{what} does not answer HTTP: if it is the GCS port, drop "
                           "http:// (use host:port)") from None
    except requests.RequestException as err:
        raise ConnectError(f"{what}: {type(err).__name__}") from None
    if response.status_code in (401, 403):
        raise ConnectError(f"{what}: the cluster refused the token (HTTP "
                           f"{response.status_code}); {TOKEN_HINT}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "ray_version" not in body:
        raise ConnectError(f"{what} is not a Ray dashboard (GET /api/version: HTTP "
                           f"{response.status_code})")
    return DashboardInfo(url.rstrip("/"), str(body.get("session_name", "")),
                         str(body.get("ray_version", "")))


def _is_refused(err: BaseException) -> bool:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        if "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def dashboard_url_from_gcs(hostport: str, what: str, log: IO[str] | None = None,
                           timeout: float = LOOKUP_TIMEOUT_S) -> str:
    """The dashboard URL the GCS at `hostport` advertises (read in a child process)."""
    probe_gcs(hostport, what)
    try:
        done = subprocess.run([sys.executable, "-m", "tui.core.reach", hostport],
                              stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL, text=True, timeout=timeout,
                              env=_child_env())
    except subprocess.TimeoutExpired:
        raise ConnectError(f"{what}: the GCS did not answer within {timeout:g} s") from None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ConnectError(f"{what}: the GCS lookup failed (exit {done.returncode}; "
                           "see the log file)") from None
    if answer.get("dashboard"):
        url = str(answer["dashboard"])
        return url if "://" in url else "http://" + url
    if answer.get("auth"):
        raise ConnectError(f"{what}: the GCS refused the token; {TOKEN_HINT}")
    raise ConnectError(f"{what}: {answer.get('error') or 'the GCS has no dashboard address'}")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RAY_BACKEND_LOG_LEVEL", "warning")
    return env


def _lookup_main(hostport: str) -> int:
    """Child side: one KV read through Ray's standalone GCS client, one JSON line out."""
    from tui.core.auth import enable_token_mode

    enable_token_mode()
    try:
        from ray._private import ray_constants
        from ray._raylet import InnerGcsClient  # type: ignore[attr-defined]

        client = InnerGcsClient.standalone(hostport, cluster_id=None, timeout_ms=5000)
        value = client.internal_kv_get(ray_constants.DASHBOARD_ADDRESS.encode(),
                                       ray_constants.KV_NAMESPACE_DASHBOARD, timeout=5)
    except Exception as err:
        text = error_line(err)
        auth = any(word in text.lower() for word in ("unauthenticated", "token", "auth"))
        print(json.dumps({"error": text.replace(read_auth_token() or "\0", "***"),
                          "auth": auth}))
        return 1
    if not value:
        print(json.dumps({"error": "the GCS has no dashboard address yet (is the "
                          "dashboard running? `ray start --head --include-dashboard true`)"}))
        return 1
    print(json.dumps({"dashboard": value.decode()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_lookup_main(sys.argv[1]))
