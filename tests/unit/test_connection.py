import time

import pytest

from tui.core import auth, connection
from tui.core.address import (
    AddressError,
    ConnectError,
    check_reachable,
    parse_address,
    resolve_address,
)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("auto", "auto", None),
        ("127.0.0.1:6379", "gcs", "127.0.0.1:6379"),
        ("head-node:6380", "gcs", "head-node:6380"),
        ("http://10.0.0.5:8265", "dashboard", "http://10.0.0.5:8265"),
        ("http://localhost", "dashboard", "http://localhost:8265"),
        ("https://ray.example.org:443", "dashboard", "https://ray.example.org:443"),
    ],
)
def test_parse_accepts_what_ray_accepts(text: str, kind: str, value: str | None) -> None:
    address = parse_address(text)
    assert (address.kind, address.value) == (kind, value)


@pytest.mark.parametrize(
    "text", ["nohost", "host:", ":6379", "host:abc", "host:70000", "ftp://x:1", "ray://h:10001",
             "http://:8265"]
)
def test_parse_rejects_malformed_addresses(text: str) -> None:
    with pytest.raises(AddressError, match="address"):
        parse_address(text)


def test_flag_beats_environment_beats_local() -> None:
    env = {"RAY_ADDRESS": "10.1.1.1:6379"}
    assert resolve_address("127.0.0.1:7000", env).value == "127.0.0.1:7000"
    from_env = resolve_address(None, env)
    assert (from_env.value, from_env.source) == ("10.1.1.1:6379", "RAY_ADDRESS")
    assert resolve_address(None, {}).kind == "local"


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_address_flag_is_an_error_not_a_new_cluster(empty: str) -> None:
    with pytest.raises(AddressError, match="--address is empty"):
        resolve_address(empty, {})


def test_token_sources_in_order(tmp_path, monkeypatch) -> None:
    token_file = tmp_path / "tok"
    token_file.write_text("from-file\n")
    assert auth.read_auth_token({"RAY_AUTH_TOKEN": "from-env",
                                 "RAY_AUTH_TOKEN_PATH": str(token_file)}) == "from-env"
    assert auth.read_auth_token({"RAY_AUTH_TOKEN_PATH": str(token_file)}) == "from-file"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert auth.read_auth_token({}) is None
    assert auth.auth_headers("abc") == {"Authorization": "Bearer abc"}
    assert auth.auth_headers(None) == {}


def test_refused_port_fails_fast_with_the_address_named() -> None:
    port = connection.free_port()  # bound then released: nothing listens there
    start = time.monotonic()
    with pytest.raises(ConnectError, match=f"127.0.0.1:{port}"):
        check_reachable("127.0.0.1", port, f"127.0.0.1:{port}")
    assert time.monotonic() - start < 5


@pytest.mark.ray
def test_an_initialised_process_refuses_a_second_gcs(ray_cluster) -> None:
    other = connection.RayConnection(parse_address(f"127.0.0.1:{connection.free_port()}"))
    with pytest.raises(ConnectError, match="already drives the Ray cluster"):
        other.connect()
    same = connection.RayConnection(parse_address(ray_cluster.gcs_address)).connect()
    assert same.gcs_address == ray_cluster.gcs_address
    same.close()  # adopted, not owned: the session cluster must survive this
    import ray

    assert ray.is_initialized()
