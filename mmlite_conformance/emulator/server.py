"""EmulatorServer: the app served by uvicorn on a loopback socket in a daemon thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from mmlite_conformance.emulator.app import create_app
from mmlite_conformance.emulator.config import EmulatorConfig
from mmlite_conformance.emulator.stack import uvicorn_config
from mmlite_conformance.emulator.state import EmulatorState


def http_url(host: str, port: int) -> str:
    """`http://host:port`, with an IPv6 address in brackets (`http://[::1]:8080`)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # an IPv6 address literal always has a colon
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then (else ~40 ms per request)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    """Context manager: `with EmulatorServer(config) as server: httpx.get(server.base_url + "/openapi.json")`."""

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_app(config)
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def state(self) -> EmulatorState:
        state: EmulatorState = self.app.state.emulator
        return state

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("server not started")
        port: int = self._sock.getsockname()[1]
        return port

    @property
    def base_url(self) -> str:
        return http_url(self._host, self.port)

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        if self._server is not None:
            return self
        self._sock = bind_socket(self._host, self._port)
        self._server = uvicorn.Server(uvicorn_config(self.app))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="mmlite-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator server failed to start")
            time.sleep(0.002)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._server, self._thread, self._sock = None, None, None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
