"""A calendar server on this machine, for the tests that read calendars through the outbound
door: nothing leaves the process's machine, and every way a server can fail is real."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

GOOGLE = (Path(__file__).parent / "data" / "google.ics").read_bytes()


@pytest.fixture
def feed(settings):
    """A calendar server on this machine; `feed.body` is what it answers, `feed.slow` makes it
    answer a byte a second."""
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1"]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = True
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = True
    state = {"body": GOOGLE, "slow": False}
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            if state["slow"]:
                for byte in state["body"][:20]:
                    if stop.wait(1):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                return
            self.wfile.write(state["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/calendar.ics"
    yield state
    stop.set()
    server.shutdown()
    server.server_close()
