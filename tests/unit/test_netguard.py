"""Unit tests of the network guard: only loopback connections and name lookups go through while it is on."""

from __future__ import annotations

import socket

import httpx
import pytest

from mmlite_conformance.suite.netguard import NetworkBlocked, block_network

pytestmark = pytest.mark.unit


def test_block_network_refuses_non_loopback() -> None:
    original_connect = socket.socket.connect
    with block_network():
        with pytest.raises(NetworkBlocked, match=r"name lookup of example\.com:443 is not loopback"):
            socket.getaddrinfo("example.com", 443)
        with pytest.raises(NetworkBlocked):
            socket.create_connection(("203.0.113.5", 80), timeout=0.1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            with pytest.raises(NetworkBlocked):
                sock.connect(("192.0.2.1", 443))
            with pytest.raises(NetworkBlocked):
                sock.connect_ex(("192.0.2.1", 443))
        with pytest.raises(NetworkBlocked):
            httpx.get("http://example.invalid/")
        assert socket.getaddrinfo("localhost", 80)  # loopback still allowed
    assert socket.socket.connect is original_connect
    assert "connect" not in vars(socket.socket)


def test_block_network_allows_loopback_connections_and_nests() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with block_network(), block_network():
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
                assert client.connect_ex(("127.0.0.1", port)) == 0
        with block_network(), pytest.raises(NetworkBlocked):
            socket.getaddrinfo("192.0.2.1", 1)
    assert socket.getaddrinfo.__module__ == "socket"


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "app.localhost", "127.0.0.2", "::1", "[::1]", "::ffff:127.0.0.1", "::1%lo"]
)
def test_loopback_names_and_addresses_pass(host: str) -> None:
    with block_network():
        try:
            socket.getaddrinfo(host, 80)
        except NetworkBlocked:
            pytest.fail(f"{host} is loopback")
        except OSError:
            pass  # the guard let it through; the resolver may still not know the name


@pytest.mark.parametrize("host", ["192.0.2.1", "::ffff:192.0.2.1", "localhost.example.com", b"example.com"])
def test_other_hosts_are_blocked(host: str | bytes) -> None:
    with block_network(), pytest.raises(NetworkBlocked):
        socket.getaddrinfo(host, 80)
