"""A small JSON-over-HTTP client for the dashboard, shared by the HTTP sources.

Keeps one keep-alive session (a poll makes several requests to the same host, many
at once: its connection pool holds `POOL_SIZE`), sends the cluster token, and turns
every failure into `SourceError` with one line: `Unreachable` when nothing answers
at the address (refused, reset, DNS), `NoAnswer` when the call ran out of time.

Big answers are decoded with msgspec into the few fields raytui reads (`get_typed`):
at 1,000 nodes `/nodes?view=summary` is 22 MB, mostly Ray's ~890 empty `cmdline`
strings per process, and building them all as Python objects (the stdlib, or orjson)
took ~10x longer than skipping them. `get_reused` hands back the object built from
the same key's last answer when the body is byte for byte the same (Ray's lists of an
unchanged cluster): nothing is parsed or built again, and the collector's join sees
the very same object, so it can reuse what it built from it (`tui/core/poll/join.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import msgspec
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError, ReadTimeoutError

from tui.core.auth import auth_headers, read_auth_token

POOL_SIZE = 32  # concurrent requests of one poll (the per-node budget plus the rest)
READ_CHUNK = 64 * 1024  # reading into a kept buffer: under malloc's mmap threshold

T = TypeVar("T")


class SourceError(RuntimeError):
    """A source could not answer; the message is one line, safe to show (no token)."""


class Unreachable(SourceError):
    """Nothing answers at the dashboard's address: the cluster (or its head) is gone."""


class NoAnswer(SourceError):
    """The dashboard took longer than the call's timeout (it may just be busy)."""


class Envelope(msgspec.Struct, gc=False):
    """Ray's JSON envelope, `{"result": bool, "msg": str, "data": ...}`: subclass it with
    a typed `data` for `get_typed`."""

    result: Any = True
    msg: Any = ""


class DashboardHttp:
    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers.update(auth_headers(read_auth_token()))
        # The environment's proxies for this one address, read once: with trust_env each
        # request looked for ~/.netrc and read the proxy variables again (0.2 ms of CPU a
        # request, ~18 requests a second at 1,000 nodes)
        self._session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:  # what trust_env would have verified an https dashboard with
            self._session.verify = bundle
        self._session.trust_env = False
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}
        self._last: dict[Hashable, tuple[bytes, Any]] = {}  # key -> (body digest, built)
        self._buffers: dict[str, bytearray] = {}  # see get_body's `keep`

    def get(self, path: str, params: dict[str, Any] | None = None,
            timeout_s: float | None = None) -> Any:
        """GET base_url+path and return the `data` member of Ray's JSON envelope."""
        return data_of(path, self.get_body(path, params, timeout_s))

    def get_typed(self, path: str, envelope: type[Envelope], params: dict[str, Any] | None = None,
                  timeout_s: float | None = None, body: bytes | None = None,
                  keep: str | None = None) -> Any:
        """As `get`, decoding only the fields `envelope` (an `Envelope` with a typed `data`)
        names; the rest of the answer is skipped unparsed. `body`: decode this one.
        `keep`: read the body into that buffer of its own (see `get_body`)."""
        got: bytes | memoryview
        if body is not None:
            got = body
        elif keep is not None:
            got = self.get_kept(keep, path, params, timeout_s)
        else:
            got = self.get_body(path, params, timeout_s)
        decoder = self._decoders.get(envelope)
        if decoder is None:
            decoder = self._decoders[envelope] = msgspec.json.Decoder(envelope)
        try:
            try:
                answer = decoder.decode(got)
            except msgspec.ValidationError:
                raise
            except msgspec.DecodeError:  # not strict JSON (a NaN, which Python's json writes)
                answer = msgspec.convert(_loads(path, bytes(got)), envelope)
        except msgspec.ValidationError as err:
            raise SourceError(f"{path}: unexpected answer ({_first_line(err)})") from None
        finally:
            if isinstance(got, memoryview):
                got.release()  # the buffer may grow at the next call
        if answer.result is False:
            raise SourceError(f"{path}: {_first_line(answer.msg)}")
        return getattr(answer, "data", None)

    def get_reused(self, key: Hashable, path: str, params: dict[str, Any] | None,
                   build: Callable[[bytes], T], timeout_s: float | None = None) -> T:
        """`build(body)` of this GET's body, or the object it built from the last answer
        of `key` when the body is the same (see the module docstring)."""
        body = self.get_body(path, params, timeout_s)
        digest = hashlib.sha1(body, usedforsecurity=False).digest()
        last = self._last.get(key)
        if last is not None and last[0] == digest:
            built: T = last[1]
            return built
        built = build(body)
        self._last[key] = (digest, built)
        return built

    def get_body(self, path: str, params: dict[str, Any] | None = None,
                 timeout_s: float | None = None) -> bytes:
        """GET base_url+path: the body of a 200 answer, or `SourceError`."""
        return bytes(self._get(path, params, timeout_s, None))

    def get_kept(self, keep: str, path: str, params: dict[str, Any] | None = None,
                 timeout_s: float | None = None) -> memoryview:
        """As `get_body`, read into a buffer kept under the name `keep` from call to call:
        a view of it (release it before the next call of that name; one call at a time).
        For the 22 MB node summary every 5 s: a new 22 MB object each time made the
        monitor's RSS a saw of that height, and cost a page fault per 4 KiB."""
        body = self._get(path, params, timeout_s, keep)
        assert isinstance(body, memoryview)
        return body

    def _get(self, path: str, params: dict[str, Any] | None, timeout_s: float | None,
             keep: str | None) -> bytes | memoryview:
        url = self.base_url + path
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            response = self._session.get(url, params=params, timeout=timeout, stream=True)
        except requests.Timeout:
            raise NoAnswer(f"{path}: no answer within {timeout:g} s") from None
        except requests.RequestException as err:
            raise Unreachable(f"{path}: dashboard unreachable ({type(err).__name__})") from None
        with response:  # an answer read whole goes back to the pool; any other is closed
            if response.status_code in (401, 403):
                raise SourceError(f"{path}: HTTP {response.status_code}, the cluster token is "
                                  "missing or wrong (RAY_AUTH_TOKEN / ~/.ray/auth_token)")
            if response.status_code != 200:
                raise SourceError(f"{path}: HTTP {response.status_code}")
            # In one read, not requests' `content` (10 KiB chunks joined): the 22 MB node
            # summary took 4x the CPU that way, and its 2,200 chunks came from the heap
            # of whichever pool thread read it, where their holes stayed mapped.
            try:
                if keep is not None:
                    return self._read_into(keep, response.raw)
                body: bytes = response.raw.read(decode_content=True)
                return body
            except ReadTimeoutError:
                raise NoAnswer(f"{path}: no answer within {timeout:g} s") from None
            except (HTTPError, OSError) as err:  # the connection broke mid-answer
                raise Unreachable(f"{path}: dashboard unreachable ({type(err).__name__})"
                                  ) from None

    def _read_into(self, keep: str, raw: Any) -> memoryview:
        buffer = self._buffers.get(keep)
        if buffer is None:
            buffer = self._buffers[keep] = bytearray()
        end = 0
        while chunk := raw.read(READ_CHUNK, decode_content=True):
            start, end = end, end + len(chunk)
            try:
                buffer[start:end] = chunk  # in place; past its end it grows
            except BufferError:  # a view of it is still held: go on in a new one
                buffer = self._buffers[keep] = buffer[:start] + chunk
        return memoryview(buffer)[:end]

    def close(self) -> None:
        self._session.close()


def data_of(path: str, body: bytes) -> Any:
    """The `data` member of Ray's JSON envelope in `body` (the answer to `path`)."""
    answer = _loads(path, body)
    if not isinstance(answer, dict) or answer.get("result") is False:
        message = answer.get("msg", "") if isinstance(answer, dict) else ""
        raise SourceError(f"{path}: {_first_line(message)}")
    return answer.get("data", {})


def _loads(path: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise SourceError(f"{path}: the answer is not JSON") from None


def _first_line(message: object) -> str:
    text = str(message or "").strip()
    return text.splitlines()[0] if text else "failed"
