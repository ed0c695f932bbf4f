"""Notices carried by email and chat webhooks, against real servers on 127.0.0.1: an SMTP
server (aiosmtpd) and an HTTP server standing in for Slack and Teams. Tasks run inline
(DAYBOOK_ENV=test); retries run at once because the retry delay is set to 0 here.

The webhook server is on loopback over http, which outbound requests refuse: the fixture
below allows exactly that for these tests, as DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK says."""

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from daybook import cli
from daybook.core import outbound
from daybook.review.choices import Channel, ChatKind, DeliveryStatus, NoticeKind
from daybook.review.models import Delivery, Notice, NotificationSetting
from daybook.review.notify import (
    claim_lifetime,
    deliveries_requeue,
    delivery_attempt,
    delivery_claim,
    message_id,
    notice_send,
)
from daybook.review.services import followup_send
from tests.factories import MemberFactory

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

BASE_URL = "https://daybook.example.test"
RETRIES = 3
# A scripted answer that is not HTTP at all: the client cannot even read a status line.
NOT_HTTP = 0
# A 500 whose reason and body are an internal service's banner, which must not come back.
BANNER_ERROR = -1
# An answer that arrives one byte a second.
DRIP = -2
BANNER = "SSH-2.0-OpenSSH_9.6p1 internal-bastion-7"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def delivery_settings(settings):
    settings.DAYBOOK_BASE_URL = BASE_URL
    settings.DAYBOOK_DELIVERY_RETRIES = RETRIES
    settings.DAYBOOK_DELIVERY_RETRY_SECONDS = 0
    # The local webhook server below: its address allowed, over http, on loopback.
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1"]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = True
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = True


# --- an SMTP server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    yield inbox
    controller.stop()


# --- a chat webhook ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    path: str
    content_type: str
    payload: dict
    key: str = ""


@dataclass
class Webhook:
    """A local HTTP server taking webhook POSTs. It answers with `answers` in turn (an HTTP
    status, NOT_HTTP, BANNER_ERROR or DRIP), then 200 once they run out, each after `delay`
    seconds."""

    url: str
    answers: list[int] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    delay: float = 0
    stop: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            payload = json.loads(self.rfile.read(length))
            key = self.headers.get("Idempotency-Key", "")
            hook.posts.append(Post(self.path, self.headers["Content-Type"], payload, key))
            answer = hook.answers.pop(0) if hook.answers else HTTPStatus.OK
            if hook.stop.wait(hook.delay):
                return
            if answer == NOT_HTTP:
                self.wfile.write(b"NOT HTTP\r\n\r\n")
            elif answer == BANNER_ERROR:
                self.send_response(HTTPStatus.INTERNAL_SERVER_ERROR, BANNER)
                self.send_header("Content-Length", str(len(BANNER)))
                self.end_headers()
                self.wfile.write(BANNER.encode())
            elif answer == DRIP:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                    if hook.stop.wait(1):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            elif answer >= HTTPStatus.BAD_REQUEST:
                self.send_error(answer)
            else:
                self.send_response(answer)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        def log_message(self, format, *args) -> None:
            pass  # keep the test output to the tests

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll keeps shutdown() from waiting half a second per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield hook
    hook.stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


def chat(member, kind: str, url: str, *, by_email: bool = False) -> NotificationSetting:
    return NotificationSetting.objects.create(
        member=member, by_email=by_email, chat_kind=kind, chat_webhook_url=url
    )


def send(member, *, link: str = "/review/requests/", **kwargs) -> Notice | None:
    return notice_send(
        recipient=member,
        kind=NoticeKind.FOLLOW_UP,
        subject="About Friday",
        body="Could you help me place the hour after noon?",
        link=link,
        **kwargs,
    )


def only_delivery(notice: Notice) -> Delivery:
    (delivery,) = Delivery.objects.filter(notice=notice)
    return delivery


# --- email ------------------------------------------------------------------------------------


def test_follow_up_reaches_the_member_over_smtp_with_an_absolute_link(
    smtp, tech, lead, ticket, settings, django_capture_on_commit_callbacks
):
    log_entry(tech, at(FRIDAY, 9), at(FRIDAY, 12), ticket=ticket)
    log_entry(tech, at(FRIDAY, 13), at(FRIDAY, 17), ticket=ticket)

    with django_capture_on_commit_callbacks(execute=True):
        follow_up = followup_send(
            member=tech,
            day=FRIDAY,
            by=lead,
            subject="About Friday",
            body="Could you help me place the hour after noon?",
            now=at(FRIDAY, 18),
        )

    (mail,) = smtp.messages
    assert mail.rcpt_tos == ["tess@example.test"]
    assert mail.mail_from == settings.DEFAULT_FROM_EMAIL
    assert mail.message["Subject"] == "About Friday"
    assert mail.message["To"] == "tess@example.test"
    text = mail.message.get_content()
    assert "Could you help me place the hour after noon?" in text
    assert f"Open in Daybook: {BASE_URL}{reverse('review:requests')}" in text
    delivery = only_delivery(Notice.objects.get(follow_up=follow_up))
    assert delivery.channel == Channel.EMAIL
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    assert delivery.last_error == ""


def test_email_is_only_queued_until_the_transaction_commits(
    smtp, tech, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = send(tech)
        assert only_delivery(notice).status == DeliveryStatus.QUEUED
    assert smtp.messages == []

    for callback in callbacks:
        callback()

    assert len(smtp.messages) == 1
    assert only_delivery(notice).status == DeliveryStatus.SENT


def test_a_delivery_lost_on_the_way_to_the_queue_is_queued_again(smtp, tech, time_machine):
    # The queue was down when the write committed: nothing ran the commit callback.
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    notice = send(tech)
    assert only_delivery(notice).status == DeliveryStatus.QUEUED

    time_machine.move_to(at(FRIDAY, 18, 29), tick=False)
    assert deliveries_requeue() == 0  # give the queue its time first
    time_machine.move_to(at(FRIDAY, 18, 31), tick=False)
    assert deliveries_requeue() == 1
    assert len(smtp.messages) == 1
    assert only_delivery(notice).status == DeliveryStatus.SENT
    assert deliveries_requeue() == 0


def test_smtp_server_down_fails_after_every_retry_and_records_why(
    tech, settings, django_capture_on_commit_callbacks
):
    use_smtp(settings, free_port())  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == RETRIES + 1
    assert delivery.sent_at is None
    assert "ConnectionRefusedError" in delivery.last_error
    # The notice itself stays readable in the app.
    assert Notice.objects.filter(recipient=tech).count() == 1


# --- chat -------------------------------------------------------------------------------------


def test_slack_webhook_receives_the_text_as_json(webhook, tech, django_capture_on_commit_callbacks):
    chat(tech, ChatKind.SLACK, f"{webhook.url}/services/slack")

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    (post,) = webhook.posts
    assert post.path == "/services/slack"
    assert post.content_type == "application/json"
    assert post.payload == {
        "text": "*About Friday*\nCould you help me place the hour after noon?\n\n"
        f"Open in Daybook: {BASE_URL}/review/requests/"
    }
    delivery = only_delivery(notice)
    assert (delivery.channel, delivery.status, delivery.attempts) == (
        Channel.SLACK,
        DeliveryStatus.SENT,
        1,
    )
    assert delivery.sent_at is not None


def test_teams_webhook_receives_a_message_card(webhook, tech, django_capture_on_commit_callbacks):
    chat(tech, ChatKind.TEAMS, f"{webhook.url}/teams")

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    (post,) = webhook.posts
    assert post.path == "/teams"
    assert post.payload == {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": "About Friday",
        "title": "About Friday",
        # Two trailing spaces make a line break in the card's markdown.
        "text": "Could you help me place the hour after noon?  \n  \n"
        f"Open in Daybook: {BASE_URL}/review/requests/",
    }
    assert only_delivery(notice).status == DeliveryStatus.SENT


def test_a_link_that_is_already_absolute_is_left_alone(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)

    with django_capture_on_commit_callbacks(execute=True):
        send(tech, link="https://psa.example.test/ticket/42")

    (post,) = webhook.posts
    assert post.payload["text"].endswith("Open in Daybook: https://psa.example.test/ticket/42")


def test_email_and_chat_both_go_out_for_one_notice(
    smtp, webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url, by_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    assert len(smtp.messages) == 1
    assert len(webhook.posts) == 1
    assert {(d.channel, d.status) for d in notice.deliveries.all()} == {
        (Channel.EMAIL, DeliveryStatus.SENT),
        (Channel.SLACK, DeliveryStatus.SENT),
    }


def test_webhook_failing_twice_then_answering_is_sent_on_the_third_try(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.INTERNAL_SERVER_ERROR]

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    assert len(webhook.posts) == 3
    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3
    assert delivery.sent_at is not None


def test_webhook_always_failing_ends_failed_after_every_retry(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [HTTPStatus.INTERNAL_SERVER_ERROR] * 10

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)  # no exception reaches the caller

    assert len(webhook.posts) == RETRIES + 1
    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == RETRIES + 1
    assert delivery.sent_at is None
    assert delivery.last_error == "the receiver answered 500 (Internal Server Error)"


def test_webhook_answering_garbage_is_recorded_as_a_failure(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [NOT_HTTP] * 10

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == RETRIES + 1
    assert delivery.last_error == "the answer from 127.0.0.1 was not valid HTTP"


def test_webhook_removed_before_sending_fails_without_posting(
    webhook, tech, django_capture_on_commit_callbacks
):
    setting = chat(tech, ChatKind.SLACK, webhook.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = send(tech)
    setting.chat_kind = ChatKind.NONE
    setting.chat_webhook_url = ""
    setting.save()

    for callback in callbacks:
        callback()

    assert webhook.posts == []
    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert "no longer has a slack webhook" in delivery.last_error


@pytest.fixture
def huey_schedule() -> Iterator[None]:
    # In test mode a retry with a delay waits in huey's in-memory schedule; leave it empty.
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


def test_a_failed_try_waits_for_the_retry_delay(
    webhook, tech, settings, huey_schedule, django_capture_on_commit_callbacks
):
    settings.DAYBOOK_DELIVERY_RETRY_SECONDS = 60
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [HTTPStatus.SERVICE_UNAVAILABLE]

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts == 1
    assert delivery.last_error == "the receiver answered 503 (Service Unavailable)"
    (retry,) = HUEY.scheduled()
    assert retry.name == "deliver"
    assert retry.args == (delivery.pk,)
    assert retry.retries == RETRIES - 1
    assert retry.retry_delay == 60


# --- who gets what ----------------------------------------------------------------------------


def test_member_without_email_or_chat_gets_only_the_in_app_notice(
    smtp, tech, django_capture_on_commit_callbacks
):
    tech.user.email = ""
    tech.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    assert notice is not None
    assert Notice.objects.filter(recipient=tech).count() == 1
    assert not Delivery.objects.exists()
    assert smtp.messages == []


def test_member_who_turned_email_off_gets_no_email(smtp, tech, django_capture_on_commit_callbacks):
    NotificationSetting.objects.create(member=tech, by_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        send(tech)

    assert not Delivery.objects.exists()
    assert smtp.messages == []


def test_in_app_only_creates_no_deliveries(smtp, webhook, tech, django_capture_on_commit_callbacks):
    chat(tech, ChatKind.SLACK, webhook.url, by_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech, in_app_only=True)

    assert notice is not None
    assert not Delivery.objects.exists()
    assert smtp.messages == []
    assert webhook.posts == []


def test_a_key_already_used_sends_nothing_more(smtp, tech, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(tech, key="digest:test")
        second = send(tech, key="digest:test")

    assert first is not None
    assert second is None
    assert len(smtp.messages) == 1


# --- once, as far as the receiver allows ------------------------------------------------------


def queued_delivery(member, channel: str = Channel.SLACK) -> Delivery:
    """A delivery whose task has not run yet: rows only, nothing queued."""
    notice = Notice.objects.create(
        recipient=member,
        kind=NoticeKind.FOLLOW_UP,
        subject="About Friday",
        body="Could you help me place the hour after noon?",
    )
    return Delivery.objects.create(notice=notice, channel=channel)


def test_every_webhook_try_carries_the_delivery_uuid_as_its_idempotency_key(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [HTTPStatus.BAD_GATEWAY, HTTPStatus.BAD_GATEWAY]

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert [post.key for post in webhook.posts] == [str(delivery.uuid)] * 3
    assert (delivery.status, delivery.claimed_at, delivery.claim_token) == (
        DeliveryStatus.SENT,
        None,
        None,
    )


def test_email_carries_a_message_id_made_from_the_delivery(
    smtp, tech, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    (mail,) = smtp.messages
    assert mail.message["Message-ID"] == message_id(delivery)
    assert str(delivery.uuid) in mail.message["Message-ID"]


def test_a_delivery_is_claimed_by_one_worker_only(tech):
    delivery = queued_delivery(tech)
    now = timezone.now()

    first = delivery_claim(delivery.pk, now=now)
    second = delivery_claim(delivery.pk, now=now)

    assert first is not None
    assert second is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)
    assert delivery.claim_token == first.claim_token


def test_a_worker_finds_the_delivery_claimed_by_another_and_sends_nothing(webhook, tech):
    chat(tech, ChatKind.SLACK, webhook.url)
    delivery = queued_delivery(tech)
    assert delivery_claim(delivery.pk, now=timezone.now()) is not None  # worker A, still busy

    assert delivery_attempt(delivery.pk, final=False) is False  # worker B

    assert webhook.posts == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)


def test_a_sent_delivery_is_never_sent_again(webhook, tech):
    chat(tech, ChatKind.SLACK, webhook.url)
    delivery = queued_delivery(tech)

    assert delivery_attempt(delivery.pk, final=False) is True
    assert delivery_attempt(delivery.pk, final=False) is True

    assert len(webhook.posts) == 1


# Two threads writing at once: SQLite's in-memory test database refuses the second writer at
# once ("table is locked") where a database file would wait, so this runs on PostgreSQL.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once(webhook, tech):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.delay = 0.3  # the first send is still under way when the second worker looks
    delivery = queued_delivery(tech)
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(delivery_attempt(delivery.pk, final=True))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(webhook.posts) == 1
    assert sorted(outcomes) == [False, True]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_a_claim_left_by_a_killed_worker_is_sent_once_after_it_expires(webhook, tech, time_machine):
    chat(tech, ChatKind.SLACK, webhook.url)
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    delivery = queued_delivery(tech)
    assert delivery_claim(delivery.pk, now=timezone.now()) is not None
    # ...and the worker was killed before it sent anything or recorded anything.

    time_machine.move_to(at(FRIDAY, 18) + claim_lifetime() - timedelta(seconds=1), tick=False)
    assert deliveries_requeue() == 0  # it may still be sending
    assert webhook.posts == []

    time_machine.move_to(at(FRIDAY, 18) + claim_lifetime() + timedelta(seconds=1), tick=False)
    assert deliveries_requeue() == 1
    assert [post.key for post in webhook.posts] == [str(delivery.uuid)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert deliveries_requeue() == 0


def test_a_resend_after_a_lost_outcome_carries_the_same_key(webhook, tech, time_machine):
    # The worker was killed after the receiver took the message but before it was recorded.
    chat(tech, ChatKind.SLACK, webhook.url)
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    delivery = queued_delivery(tech)
    claimed = delivery_claim(delivery.pk, now=timezone.now())
    outbound.post_json(
        webhook.url, {"text": "first"}, headers={"Idempotency-Key": str(claimed.uuid)}
    )

    time_machine.move_to(at(FRIDAY, 18, 30), tick=False)
    assert deliveries_requeue() == 1

    assert [post.key for post in webhook.posts] == [str(delivery.uuid)] * 2


def test_a_resent_email_has_the_same_message_id(smtp, tech, time_machine):
    time_machine.move_to(at(FRIDAY, 18), tick=False)
    delivery = queued_delivery(tech, Channel.EMAIL)
    assert delivery_attempt(delivery.pk, final=True) is True
    # As if the worker had died right after the mail server took it.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), claim_token=uuid4()
    )

    time_machine.move_to(at(FRIDAY, 18, 30), tick=False)
    assert deliveries_requeue() == 1

    first, second = smtp.messages
    assert first.message["Message-ID"] == second.message["Message-ID"] == message_id(delivery)


# --- nothing the receiver says comes back ----------------------------------------------------


def test_a_webhook_error_is_stored_as_our_summary_never_the_remote_text(
    webhook, tech, django_capture_on_commit_callbacks
):
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [BANNER_ERROR] * 10

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the receiver answered 500 (Internal Server Error)"
    assert "SSH" not in delivery.last_error


def test_a_mail_server_refusal_is_stored_as_our_summary_never_its_text(
    tech, settings, django_capture_on_commit_callbacks
):
    class Refusing:
        async def handle_DATA(self, server, session, envelope) -> str:
            return "554 5.7.1 relay-7.corp.internal refuses mail from 10.1.2.3"

    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(settings, controller.port)
        settings.DAYBOOK_DELIVERY_RETRIES = 0
        with django_capture_on_commit_callbacks(execute=True):
            notice = send(tech)
    finally:
        controller.stop()

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the mail server answered 554"


# --- one slow receiver ------------------------------------------------------------------------


def test_a_webhook_dripping_its_answer_is_cut_off_at_the_deadline(
    webhook, tech, settings, django_capture_on_commit_callbacks
):
    settings.DAYBOOK_OUTBOUND_TIMEOUT_SECONDS = 2
    settings.DAYBOOK_DELIVERY_RETRIES = 0
    chat(tech, ChatKind.SLACK, webhook.url)
    webhook.answers = [DRIP]

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)
    took = time.monotonic() - started

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "timed out after 2 s"
    assert took < 2 * 1.5


def test_the_worker_runs_several_threads(monkeypatch):
    from huey.contrib.djhuey import HUEY

    started: list[dict] = []

    class Consumer:
        def run(self) -> None:
            pass

    def create_consumer(**options) -> Consumer:
        started.append(options)
        return Consumer()

    monkeypatch.setattr(HUEY, "create_consumer", create_consumer)
    monkeypatch.setattr(logging.getLogger("huey"), "handlers", [])

    cli.main(["worker"])
    cli.main(["worker", "--workers", "2"])

    assert [(o["workers"], o["worker_type"]) for o in started] == [(4, "thread"), (2, "thread")]


# --- internal addresses, at every door --------------------------------------------------------

INTERNAL_URLS = [
    "https://127.0.0.1/hook",
    "https://10.0.0.5/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://intranet.example/hook",
    "http://hooks.slack.com/services/T0/B0/X",
]


@pytest.fixture
def production_outbound(settings, monkeypatch) -> None:
    """The outbound rules as shipped, with intranet.example listed by a careless administrator
    and resolving inside the network."""
    settings.DAYBOOK_OUTBOUND_HOSTS = [
        "hooks.slack.com",
        "*.webhook.office.com",
        "intranet.example",
    ]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = False
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = False
    names = {"intranet.example": ["10.20.30.40"], "hooks.slack.com": ["34.120.1.10"]}
    monkeypatch.setattr(outbound, "resolve", lambda host, port: names[host])


def refusal_of(url: str) -> str:
    if url.startswith("http:"):
        return "Only https:// addresses are accepted"
    return "Daybook does not send to"


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_is_refused_on_the_settings_page(url, tech, production_outbound):
    client = Client()
    client.force_login(tech.user)

    response = client.post(
        reverse("review:notifications"), {"chat_kind": "slack", "chat_webhook_url": url}
    )

    assert response.status_code == 400
    assert refusal_of(url) in response.content.decode()
    assert not NotificationSetting.objects.exists()


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_is_refused_in_the_admin(url, tech, admin, production_outbound):
    client = Client()
    client.force_login(admin.user)

    response = client.post(
        reverse("admin:review_notificationsetting_add"),
        {"member": tech.pk, "by_email": "on", "chat_kind": "slack", "chat_webhook_url": url},
    )

    assert response.status_code == 200  # the form again, with the error
    assert refusal_of(url) in response.content.decode()
    assert not NotificationSetting.objects.exists()


def test_the_admin_form_picks_the_member_by_search_whatever_the_team_size(admin):
    client = Client()
    client.force_login(admin.user)
    url = reverse("admin:review_notificationsetting_add")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    MemberFactory.create_batch(5)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)
    # No list of every member, each name read on its own: a search box that asks as typed.
    assert len(more) == len(few)
    assert "admin-autocomplete" in response.content.decode()


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_is_refused_by_the_model_for_any_other_door(
    url, tech, production_outbound
):
    setting = NotificationSetting(member=tech, chat_kind=ChatKind.SLACK, chat_webhook_url=url)
    with pytest.raises(ValidationError) as refused:
        setting.full_clean()
    assert refusal_of(url) in " ".join(refused.value.message_dict["chat_webhook_url"])


def test_a_slack_address_is_accepted_on_the_settings_page(tech, production_outbound):
    client = Client()
    client.force_login(tech.user)
    url = "https://hooks.slack.com/services/T0/B0/X"

    response = client.post(
        reverse("review:notifications"), {"chat_kind": "slack", "chat_webhook_url": url}
    )

    assert response.status_code == 302
    assert NotificationSetting.objects.get(member=tech).chat_webhook_url == url


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_saved_before_the_check_is_refused_when_sending(
    url, tech, production_outbound, django_capture_on_commit_callbacks
):
    # Rows written directly skip validation: sending checks again, and fails at once.
    chat(tech, ChatKind.SLACK, url)

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(tech)

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error.startswith(
        "only https://" if url.startswith("http:") else "address refused: "
    )


def test_a_redirect_to_an_internal_address_is_not_followed(
    tech, settings, django_capture_on_commit_callbacks
):
    settings.DAYBOOK_DELIVERY_RETRIES = 0

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(HTTPStatus.TEMPORARY_REDIRECT)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        chat(tech, ChatKind.SLACK, f"http://127.0.0.1:{server.server_address[1]}/hook")
        with django_capture_on_commit_callbacks(execute=True):
            notice = send(tech)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    delivery = only_delivery(notice)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == (
        "the receiver answered with a redirect (307); redirects are not followed"
    )
