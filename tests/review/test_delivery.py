"""Notices carried by email and chat webhooks, against real servers on 127.0.0.1: an SMTP
server (aiosmtpd) and an HTTP server standing in for Slack and Teams. Tasks run inline
(DAYBOOK_ENV=test); retries run at once because the retry delay is set to 0 here."""

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from daybook.review.choices import Channel, ChatKind, DeliveryStatus, NoticeKind
from daybook.review.models import Delivery, Notice, NotificationSetting
from daybook.review.notify import deliveries_requeue, notice_send
from daybook.review.services import followup_send

from .helpers import FRIDAY, at, log_entry

pytestmark = pytest.mark.django_db

BASE_URL = "https://daybook.example.test"
RETRIES = 3
# A scripted answer that is not HTTP at all: the client cannot even read a status line.
NOT_HTTP = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def delivery_settings(settings):
    settings.DAYBOOK_BASE_URL = BASE_URL
    settings.DAYBOOK_DELIVERY_RETRIES = RETRIES
    settings.DAYBOOK_DELIVERY_RETRY_SECONDS = 0


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


@dataclass
class Webhook:
    """A local HTTP server taking webhook POSTs. It answers with `answers` in turn (an HTTP
    status or NOT_HTTP), then 200 once they run out."""

    url: str
    answers: list[int] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            payload = json.loads(self.rfile.read(length))
            hook.posts.append(Post(self.path, self.headers["Content-Type"], payload))
            answer = hook.answers.pop(0) if hook.answers else HTTPStatus.OK
            if answer == NOT_HTTP:
                self.wfile.write(b"NOT HTTP\r\n\r\n")
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
    assert "HTTP Error 500" in delivery.last_error


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
    assert "BadStatusLine" in delivery.last_error


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
    assert "HTTP Error 503" in delivery.last_error
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
