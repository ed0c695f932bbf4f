"""Deliveries through a real Redis queue, as production runs them (REDIS_URL set): the task
and its arguments survive the trip through Redis and a consumer sends the email; with the
worker's threads, a slow webhook does not hold up the deliveries queued behind it."""

import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import uuid4

import pytest
from django.db import connection
from huey import RedisHuey

from conftest import REDIS_TEST_URL
from daybook.review import tasks
from daybook.review.choices import Channel, ChatKind, DeliveryStatus, NoticeKind
from daybook.review.models import Delivery, Notice, NotificationSetting
from daybook.review.notify import notice_send

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_huey():
    huey = RedisHuey(f"daybook-test-{uuid4().hex}", url=REDIS_TEST_URL)
    yield huey
    huey.storage.flush_all()


def test_a_delivery_queued_in_redis_is_sent_by_the_consumer(
    redis_huey, tech, mailoutbox, django_capture_on_commit_callbacks
):
    tech.user.email = "tess@example.test"
    tech.user.save()
    with django_capture_on_commit_callbacks(execute=False):
        notice = notice_send(
            recipient=tech, kind=NoticeKind.NUDGE, subject="Your timer", body="Still running."
        )
    delivery = Delivery.objects.get(notice=notice)
    deliver = redis_huey.task(retries=1, context=True)(tasks.deliver.func)

    deliver(delivery.pk)
    assert redis_huey.pending_count() == 1
    assert mailoutbox == []  # queued, not sent: nothing runs until a consumer takes it

    redis_huey.execute(redis_huey.dequeue())
    assert [m.subject for m in mailoutbox] == ["Your timer"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert redis_huey.pending_count() == 0


@pytest.fixture
def dripping_webhook(settings) -> Iterator[str]:
    """A webhook on this machine that answers one byte a second, and the settings to reach it."""
    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                if stop.wait(1):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1"]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = True
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = True
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


def wait_for(condition, *, within: float) -> float:
    """Seconds until `condition()` held; fails the test after `within` seconds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            pytest.fail(f"still not so after {within} s")
        time.sleep(0.05)
    return time.monotonic() - started


def status(delivery: Delivery) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


# Worker threads writing at once: SQLite's in-memory test database refuses the second writer
# at once ("table is locked") where a database file would wait, so this runs on PostgreSQL.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_webhook_does_not_hold_up_the_deliveries_behind_it(
    redis_huey, tech, settings, mailoutbox, dripping_webhook
):
    settings.DAYBOOK_OUTBOUND_TIMEOUT_SECONDS = 3
    NotificationSetting.objects.create(
        member=tech, by_email=True, chat_kind=ChatKind.SLACK, chat_webhook_url=dripping_webhook
    )
    notice = Notice.objects.create(
        recipient=tech, kind=NoticeKind.NUDGE, subject="Your timer", body="Still running."
    )
    slow = Delivery.objects.create(notice=notice, channel=Channel.SLACK)
    email = Delivery.objects.create(notice=notice, channel=Channel.EMAIL)

    def deliver_and_close(delivery_id: int, task=None) -> bool:
        try:
            return tasks.deliver.func(delivery_id, task=task)
        finally:
            connection.close()  # as djhuey's db_task does in the real worker

    deliver = redis_huey.task(retries=0, context=True)(deliver_and_close)
    deliver(slow.pk)  # first in the queue
    deliver(email.pk)
    # The consumer `daybook worker` runs: DAYBOOK_WORKER_THREADS threads.
    consumer = redis_huey.create_consumer(
        **settings.HUEY["consumer"], periodic=False, initial_delay=0.05, max_delay=0.1
    )
    signals = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    try:
        email_took = wait_for(lambda: status(email) == DeliveryStatus.SENT, within=2)
        # Not done: still dripping (or its thread has only just claimed it).
        assert status(slow) in {DeliveryStatus.QUEUED, DeliveryStatus.SENDING}
        slow_took = wait_for(lambda: status(slow) == DeliveryStatus.FAILED, within=5)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in signals.items():
            signal.signal(sig, handler)

    assert email_took < 1
    assert slow_took < 3 * 1.5
    assert [m.subject for m in mailoutbox] == ["Your timer"]
    slow.refresh_from_db()
    assert slow.last_error == "timed out after 3 s"
