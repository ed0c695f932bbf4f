"""The live server's requests end before a test's tables are emptied."""

import threading

import pytest

from .conftest import _Requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serve(requests: _Requests) -> None:
    """What the server does with one request: call, send, close."""
    sent = requests({}, None)
    b"".join(sent)
    sent.close()


def test_settling_waits_for_a_request_a_closed_tab_left_running():
    release = threading.Event()
    finished = threading.Event()

    def slow_page(environ, start_response):
        release.wait(timeout=5)
        finished.set()
        return [b""]

    requests = _Requests(slow_page)
    threading.Thread(target=serve, args=(requests,)).start()
    with requests.changed:
        assert requests.changed.wait_for(lambda: requests.running == 1, timeout=5)
    threading.Timer(0.3, release.set).start()

    requests.settle()

    assert finished.is_set()
    assert requests.running == 0


def test_a_streamed_response_runs_until_the_server_closes_it():
    requests = _Requests(lambda environ, start_response: iter([b"date,hours\n", b"..."]))
    sent = requests({}, None)
    assert b"".join(sent) == b"date,hours\n..."
    assert requests.running == 1  # sent, not yet closed: an export may still read rows
    sent.close()
    assert requests.running == 0


def test_a_request_that_never_ends_fails_the_test_by_name():
    release = threading.Event()
    requests = _Requests(lambda environ, start_response: release.wait(timeout=5) and [b""])
    threading.Thread(target=serve, args=(requests,)).start()
    with requests.changed:
        requests.changed.wait_for(lambda: requests.running == 1, timeout=5)
    try:
        with pytest.raises(pytest.fail.Exception, match="still runs 1 requests"):
            requests.settle(timeout=0.2)
    finally:
        release.set()
