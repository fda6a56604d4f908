"""Connecting to Ray: a `RayConnection` to what a `ClusterAddress` names, started or
attached, and `BackgroundConnection` to do it off the UI thread.

Resolution order and the accepted forms are `tui/core/address.py`'s; the token is
`tui/core/auth.py`'s. Connection errors become `ConnectError` with a one-line message.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tui.core.address import ClusterAddress, ConnectError, split_host_port
from tui.core.auth import enable_token_mode
from tui.core.text import error_line

SHUTDOWN_TIMEOUT_S = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the connection ---------------------------------------------------------


class RayConnection:
    """A connected Ray: either a cluster we started, or one we attached to.

    Use as a context manager; `close()` shuts down only what this object started, and
    never takes longer than SHUTDOWN_TIMEOUT_S.

    `driver=False` (the monitor, snapshot, watch): attached by address, this process
    never becomes a Ray driver. The dashboard URL is read from the GCS by a child
    process (tui/core/reach.py) and everything else goes over HTTP, so a dying cluster
    cannot end this process. Only the embedded local cluster needs `ray.init`.
    `driver=True` (workloads run in this process): attach with `ray.init` as before.
    """

    def __init__(self, address: ClusterAddress, num_cpus: int | None = None,
                 driver: bool = True) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.driver = driver
        self.gcs_address: str | None = None
        self.dashboard_url: str = ""
        self.session_name: str = ""  # the cluster's identity, from /api/version
        self._owns_driver = False

    def describe(self) -> str:
        if self.address.kind == "local":
            return f"local cluster {self.gcs_address or ''}".strip()
        return self.address.describe()

    def connect(self) -> RayConnection:
        kind = self.address.kind
        if kind == "dashboard":
            assert self.address.value
            self.dashboard_url = self.address.value
            self.refresh()
            return self
        if kind in ("gcs", "auto") and not self.driver:
            # no `import ray` here: the monitor attached by address stays a plain client
            self.gcs_address = self.address.value if kind == "gcs" else _auto_address()
            self.refresh()
            return self
        import ray  # heavy: imported only when a driver is really needed

        if ray.is_initialized():
            # e.g. a test or notebook that already called ray.init(): reuse, never shut
            # down. A process drives one cluster only, so another GCS is an error.
            current = ray.get_runtime_context().gcs_address
            if kind == "gcs" and not _same_endpoint(self.address.value or "", current):
                raise ConnectError(
                    f"this process already drives the Ray cluster at {current}; "
                    f"it cannot also attach to {self.address.describe()}"
                )
            self._adopt(current)
            return self
        if kind != "local":
            enable_token_mode()  # a local ray.init() sets up its own token
        quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
        if kind == "local":
            with _private_agent_port():
                context = ray.init(
                    # "local" always starts a new cluster; without an address Ray would
                    # join any cluster `ray start` or ray.cluster_utils left on this machine
                    address="local",
                    num_cpus=self.num_cpus,
                    include_dashboard=True,
                    dashboard_host="127.0.0.1",
                    dashboard_port=free_port(),
                    **quiet,
                )
        else:
            target = self.address.value if kind == "gcs" else _auto_address()
            assert target
            from tui.core.reach import check_dashboard, dashboard_url_from_gcs

            what = self.address.describe() if kind == "gcs" else target
            # a wrong port or token fails here in about a second, not after Ray's retries
            check_dashboard(dashboard_url_from_gcs(target, what), what)
            try:
                context = ray.init(address=target, **quiet)
            except Exception as err:  # Ray raises many types here; all mean "not a cluster"
                raise ConnectError(
                    f"cannot connect to Ray at {self.address.describe()}: "
                    f"{error_line(err)}"
                ) from err
        self._owns_driver = True
        self._adopt(context.address_info["gcs_address"], context.dashboard_url)  # type: ignore[attr-defined]
        return self

    def refresh(self) -> None:
        """Ask the address again what answers there (at connect, and to reconnect):
        the dashboard URL (re-read from the GCS) and the cluster's session name."""
        from tui.core.reach import check_dashboard, dashboard_url_from_gcs

        what = self.address.describe()
        if self.address.kind in ("gcs", "auto") and not self._owns_driver and self.gcs_address:
            self.dashboard_url = dashboard_url_from_gcs(self.gcs_address, what)
        self.session_name = check_dashboard(self.dashboard_url, what).session_name

    def _adopt(self, gcs_address: str, dashboard_url: str | None = None) -> None:
        import ray

        self.gcs_address = gcs_address
        url = dashboard_url or ray.worker.get_dashboard_url() or ""
        if url and "://" not in url:
            url = "http://" + url
        self.dashboard_url = url
        if url:
            from tui.core.reach import check_dashboard

            with suppress(ConnectError):  # the identity is for reconnecting; not required
                self.session_name = check_dashboard(url, self.describe()).session_name

    def close(self, timeout: float | None = None) -> None:
        """Shut down the driver this object started, waiting at most `timeout` seconds:
        against a dead cluster `ray.shutdown()` blocks for 15-20 s, and an exit must
        not wait for it (the process exits with the shutdown still running)."""
        if not self._owns_driver:
            return
        self._owns_driver = False
        import threading

        import ray

        thread = threading.Thread(target=_quiet_shutdown, args=(ray,), daemon=True,
                                  name="raytui-ray-shutdown")
        thread.start()
        thread.join(SHUTDOWN_TIMEOUT_S if timeout is None else timeout)

    def __enter__(self) -> RayConnection:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _private_agent_port() -> Iterator[None]:
    """Give the dashboard agent of a cluster we start a free port instead of 52365.

    Every Ray node's agent (which runs jobs) listens on 52365 by default and
    `ray.init()` offers no way to change it, so a second local cluster on the same
    machine (a user's own, a test's) loses its job agent: submissions then fail with
    "No available agent" or reach the wrong cluster. `ray start` has the flag; for
    `ray.init` the port is a RayParams default, set here for this one call.
    """
    try:
        from ray._private import parameter
    except ImportError:
        yield
        return
    original = parameter.RayParams.__init__

    def init_with_free_agent_port(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dashboard_agent_listen_port", free_port())
        original(self, *args, **kwargs)

    parameter.RayParams.__init__ = init_with_free_agent_port  # type: ignore[method-assign]
    try:
        yield
    finally:
        parameter.RayParams.__init__ = original  # type: ignore[method-assign]


def _quiet_shutdown(ray: Any) -> None:
    with suppress(Exception):
        ray.shutdown()


def _same_endpoint(a: str, b: str) -> bool:
    def normal(hostport: str) -> tuple[str, int]:
        host, port = split_host_port(hostport)
        with suppress(OSError):
            host = socket.gethostbyname(host)
        return host, port

    try:
        return normal(a) == normal(b)
    except ValueError:
        return False


def _auto_address() -> str:
    """What `ray.init(address="auto")` would use, without its long retries."""
    for path in (Path("/tmp/ray/ray_current_cluster"),):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text:
            return text
    raise ConnectError(
        "address 'auto': no running Ray cluster found on this machine; "
        "start one with `ray start --head` or pass --address host:6379"
    )


class BackgroundConnection:
    """Connect without blocking the caller, e.g. while a UI draws "starting Ray...".

    The connecting thread stays alive until `stop()`: Ray starts its local processes
    with PR_SET_PDEATHSIG, which kills them when the *thread* that spawned them exits.
    """

    def __init__(self, address: ClusterAddress, num_cpus: int | None = None) -> None:
        import threading

        self.connection = RayConnection(address, num_cpus, driver=False)
        self.error: BaseException | None = None
        self.ready = threading.Event()  # set when connected or failed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="raytui-connection", daemon=True)

    def start(self) -> BackgroundConnection:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.connection.connect()
        except BaseException as err:  # reported to the UI, never raised in a thread
            self.error = err
            self.ready.set()
            return
        self.ready.set()
        self._stop.wait()
        self.connection.close()

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT_S + 1.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
