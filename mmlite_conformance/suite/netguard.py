"""The network guard: while `block_network()` is active, only loopback connections and name lookups go through."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["NetworkBlocked", "block_network"]


class NetworkBlocked(RuntimeError):  # noqa: N818 - the name the suite and its docs use
    """A non-loopback connection or name lookup was attempted while `block_network()` was active."""


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_guard_lock = threading.Lock()
_guard_depth = 0
_saved: list[tuple[Any, str, Any]] = []
_MISSING = object()


def _is_loopback_host(host: object) -> bool:
    """True for loopback names and addresses (IPv4, IPv6, IPv4-mapped); a non-string host is never loopback."""
    if host is None:
        return True  # getaddrinfo(None, port): the local host's own addresses
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _refuse_unless_loopback(operation: str, host: object, port: object) -> None:
    if _is_loopback_host(host):
        return
    raise NetworkBlocked(
        f"network access blocked: {operation} {host}:{port} is not loopback. Replay never touches the network; "
        "run with --target emulator (loopback) to talk to a server"
    )


def _address_host_port(address: object) -> tuple[object, object]:
    if isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    return address, None


def _guarded_functions() -> list[tuple[Any, str, Any]]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    unix = getattr(socket, "AF_UNIX", None)

    def connect(sock: socket.socket, address: Any) -> None:
        if unix is None or sock.family != unix:
            _refuse_unless_loopback("connect to", *_address_host_port(address))
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if unix is None or sock.family != unix:
            _refuse_unless_loopback("connect to", *_address_host_port(address))
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_unless_loopback("name lookup of", host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _refuse_unless_loopback("connection to", *_address_host_port(address))
        return real_create_connection(address, *args, **kwargs)

    return [
        (socket.socket, "connect", connect),
        (socket.socket, "connect_ex", connect_ex),
        (socket, "getaddrinfo", getaddrinfo),
        (socket, "create_connection", create_connection),
    ]


@contextlib.contextmanager
def block_network() -> Iterator[None]:
    """Make every non-loopback connect / name lookup raise `NetworkBlocked` (loopback stays allowed). Nestable."""
    global _guard_depth
    with _guard_lock:
        if _guard_depth == 0:
            for owner, attribute, replacement in _guarded_functions():
                _saved.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
                setattr(owner, attribute, replacement)
        _guard_depth += 1
    try:
        yield
    finally:
        with _guard_lock:
            _guard_depth -= 1
            if _guard_depth == 0:
                while _saved:
                    owner, attribute, original = _saved.pop()
                    if original is _MISSING:
                        delattr(owner, attribute)
                    else:
                        setattr(owner, attribute, original)
