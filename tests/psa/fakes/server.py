"""A real HTTP server on 127.0.0.1, in a thread, that a fake PSA plugs into.

The connectors talk to it exactly as to the real PSA (through core.outbound, over TCP): only
the base URL differs. A fake PSA is a FakePsa subclass that registers routes for the PSA's
documented paths, checks its documented authentication in `authenticate`, and answers with
its documented bodies. Tests steer it: `fail(...)` queues faults (an error status with the
PSA's error body, a Retry-After, a delay past the client's time limit, a dropped connection),
`down = True` drops every connection, and `requests` lists what was received.

    class FakeThing(FakePsa):
        def __init__(self):
            super().__init__()
            self.route("GET", r"/api/widgets/(?P<id>\\d+)", self.widget)

        def authenticate(self, request):
            if request.headers.get("authorization") != "Bearer ok":
                return FakeResponse(401, {"message": "no"})
            return None

        def widget(self, request, id):
            return FakeResponse(200, {"id": int(id)})

    def test_widget(fake_server):
        server = fake_server(FakeThing())
        ... server.url ...  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]  # the last value of each parameter
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """What to do instead of answering, for the next `times` matching requests (after letting
    `after` of them through). status=0 with drop=True closes the connection unanswered."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after: int = 0
    method: str = ""
    path: str = ""  # a regular expression searched in the path
    delay: float = 0.0
    drop: bool = False

    def matches(self, request: FakeRequest) -> bool:
        if self.method and request.method != self.method:
            return False
        return not self.path or re.search(self.path, request.path) is not None


Handler = Callable[..., FakeResponse | Any]


class FakePsa:
    """A fake PSA: routes, authentication, faults and a log of requests. Thread-safe enough
    for a server thread per request (one lock around state changes in subclasses' handlers
    is theirs to take: `self.lock`)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[Fault] = []
        self.requests: list[FakeRequest] = []
        self.down = False
        self.lock = threading.RLock()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"/?\Z"), handler))

    def fail(self, status: int = 500, body: Any = None, **kwargs: Any) -> Fault:
        fault = Fault(status=status, body=body, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def authenticate(self, request: FakeRequest) -> FakeResponse | None:
        """An error response when the request's credentials are wrong; None when right."""
        return None

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, {"message": f"no route {request.method} {request.path}"})

    def _fault_for(self, request: FakeRequest) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(request):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None

    def handle(self, request: FakeRequest) -> FakeResponse | Fault:
        with self.lock:
            self.requests.append(request)
        if self.down:
            return Fault(status=0, drop=True)
        fault = self._fault_for(request)
        if fault is not None:
            return fault
        refusal = self.authenticate(request)
        if refusal is not None:
            return refusal
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                answer = handler(request, **match.groupdict())
                return answer if isinstance(answer, FakeResponse) else FakeResponse(200, answer)
        return self.not_found(request)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = FakeRequest(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        outcome = self.server.app.handle(request)
        if isinstance(outcome, Fault):
            if outcome.delay:
                time.sleep(outcome.delay)
            if outcome.drop:
                self.close_connection = True
                return
            outcome = FakeResponse(outcome.status, outcome.body, dict(outcome.headers))
        data = outcome.body
        if data is None:
            payload = b""
        elif isinstance(data, bytes):
            payload = data
        else:
            payload = json.dumps(data, default=str).encode()
        self.send_response(outcome.status)
        headers = {"Content-Type": "application/json; charset=utf-8", **outcome.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: FakePsa


class FakeServer:
    """A FakePsa listening on 127.0.0.1 at `url` until stopped."""

    def __init__(self, app: FakePsa) -> None:
        self.app = app
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.app = app
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A short poll interval: shutting down waits for one poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def allow_loopback(settings) -> None:
    """Let core.outbound reach 127.0.0.1 over http, as only tests may."""
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1"]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = True
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = True


def fake_servers(settings):
    """Behind the `fake_server` fixture (tests/psa/conftest.py): start fake PSAs with
    `server = fake_server(FakeThing())`; all stop after the test."""
    allow_loopback(settings)
    started: list[FakeServer] = []

    def start(app: FakePsa) -> FakeServer:
        server = FakeServer(app)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
