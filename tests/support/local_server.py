"""A threaded HTTP(S) server on 127.0.0.1 that records requests and stops itself."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar

import trustme

LOOPBACK = "127.0.0.1"
_S = TypeVar("_S", bound="LocalServer")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    token: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: object, *headers: tuple[str, str]) -> Response:
        return cls(
            status, json.dumps(payload).encode(), [("Content-Type", "application/json"), *headers]
        )


class Tls:
    """A private CA and a certificate for 127.0.0.1, localhost and any extra names."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert(LOOPBACK, "localhost", *names)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(self.context)

    @property
    def ca_pem(self) -> bytes:
        pem: bytes = self.ca.cert_pem.bytes()
        return pem

    @property
    def ca_data(self) -> str:
        """The CA as kubeconfig `certificate-authority-data` wants it."""
        return base64.b64encode(self.ca_pem).decode("ascii")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tls_context: ssl.SSLContext | None = None
    owner: LocalServer

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls_context is not None:
            sock = self.tls_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(self.command, path, query, headers, body)
        owner = self.server.owner
        request = owner.annotate(request)
        owner.record(request)
        try:
            response = owner.respond(request)
        except Exception:
            response = Response(500, traceback.format_exc().encode())
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.server.owner.date_header()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer:
    """Base class: subclasses implement `respond`; use as a context manager."""

    def __init__(self, *, tls: Tls | None = None, now: Callable[[], datetime] = utc_now) -> None:
        self.tls = tls
        self.now = now
        self.date_offset = timedelta(0)
        self._lock = threading.Lock()
        self._recorded: list[RecordedRequest] = []
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.owner = self
        self._server.tls_context = tls.context if tls else None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def netloc(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.netloc}"

    @property
    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._recorded)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._recorded.append(request)

    def clear(self) -> None:
        with self._lock:
            self._recorded.clear()

    def annotate(self, request: RecordedRequest) -> RecordedRequest:
        return request

    def respond(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    def freeze(self, when: datetime) -> None:
        """Make this server's clock stand still at `when` (timezone-aware)."""
        self.now = lambda: when

    def date_header(self) -> str:
        return format_datetime((self.now() + self.date_offset).astimezone(timezone.utc), True)

    def start(self) -> None:
        # Stopping waits for the serving loop's next poll: every test with a server pays it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        try:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
        finally:
            self._server.server_close()

    def __enter__(self: _S) -> _S:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
