"""psa/http.py against a real local server: retries, backoff, Retry-After, error kinds."""

import pytest

from daybook.psa.http import PsaHttp, retry_after
from daybook.psa.records import (
    AuthFailed,
    Locked,
    Misconfigured,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)
from tests.psa.fakes.server import FakePsa, FakeResponse


class Echo(FakePsa):
    def __init__(self):
        super().__init__()
        self.created = 0
        self.route("GET", r"/things", lambda request: {"query": request.query})
        self.route("POST", r"/things", self.create)

    def create(self, request):
        self.created += 1
        return FakeResponse(201, {"id": self.created, "got": request.json()})


@pytest.fixture
def echo(fake_server):
    app = Echo()
    return app, fake_server(app)


def client(server, waits=None, **kw):
    return PsaHttp(
        base_url=server.url,
        headers={"X-Key": "k"},
        sleep=(waits if waits is not None else []).append,
        **kw,
    )


def test_get_sends_query_and_headers(echo):
    app, server = echo
    reply = client(server).get("/things", params={"conditions": 'name = "a b"', "page": 2})
    assert reply.json() == {"query": {"conditions": 'name = "a b"', "page": "2"}}
    assert app.requests[0].headers["x-key"] == "k"


def test_retry_after_is_honoured_and_the_request_finishes(echo):
    app, server = echo
    app.fail(429, {"message": "slow down"}, headers={"Retry-After": "7"}, times=3)
    waits = []
    reply = client(server, waits).get("/things")
    assert reply.status == 200
    assert waits == [7.0, 7.0, 7.0]


def test_server_errors_back_off_then_give_up_with_the_psas_words(echo):
    app, server = echo
    app.fail(500, {"message": "database on fire"}, times=10)
    waits = []
    with pytest.raises(Unavailable) as caught:
        client(server, waits, backoff=1.0, attempts=3).get("/things")
    assert caught.value.psa_message == "database on fire"
    assert len(waits) == 2
    assert 1.0 <= waits[0] < waits[1]


def test_a_create_is_not_resent_after_a_server_error(echo):
    app, server = echo
    app.fail(500, {"message": "half done"}, method="POST")
    with pytest.raises(Unavailable):
        client(server).post("/things", json={"a": 1})
    assert len(app.requests) == 1


def test_a_create_is_resent_after_429(echo):
    app, server = echo
    app.fail(429, headers={"Retry-After": "1"}, method="POST")
    reply = client(server).post("/things", json={"a": 1})
    assert reply.json()["id"] == 1
    assert app.created == 1


def test_a_dropped_connection_is_retried_for_reads(echo):
    app, server = echo
    app.fail(0, drop=True, times=2)
    assert client(server).get("/things").status == 200


def test_timeout_is_reported_as_unavailable(echo):
    app, server = echo
    app.fail(200, delay=1.5, times=5)
    with pytest.raises(Unavailable, match="timed out"):
        client(server, timeout=0.5, attempts=2).get("/things")


def test_429_past_the_limit_raises_rate_limited(echo):
    app, server = echo
    app.fail(429, {"message": "quota"}, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as caught:
        client(server).get("/things")
    assert caught.value.retry_after == 3600.0
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, Rejected), (401, AuthFailed), (403, AuthFailed), (404, NotFound), (409, Locked)],
)
def test_error_statuses_become_error_kinds_without_retry(echo, status, kind):
    app, server = echo
    app.fail(status, {"code": "X", "message": f"said {status}"})
    with pytest.raises(kind) as caught:
        client(server).get("/things")
    assert caught.value.psa_message == f"said {status}"
    assert caught.value.status == status
    assert len(app.requests) == 1


def test_a_host_not_allowed_is_a_configuration_problem(echo, settings):
    _, server = echo
    settings.DAYBOOK_OUTBOUND_HOSTS = ["psa.example"]
    with pytest.raises(Misconfigured, match="not one of them"):
        client(server).get("/things")


def test_retry_after_reads_seconds_and_dates():
    assert retry_after("12") == 12.0
    assert retry_after("") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None
