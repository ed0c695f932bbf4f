"""Notices to members and their delivery by email and chat webhook.

A notice is always readable in the app. Each other channel the recipient uses gets a Delivery
row, sent by a background task after the transaction commits, tried again on failure, with
the outcome recorded on the row.
"""

import json
import urllib.request
from datetime import datetime, timedelta
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from daybook.people.models import Member

from .choices import Channel, DeliveryStatus, NoticeKind
from .models import Delivery, FollowUp, Notice, NotificationSetting

WEBHOOK_TIMEOUT_SECONDS = 10
MAX_ERROR_LENGTH = 1000


def channels_for(member: Member) -> list[str]:
    """The channels besides the app that `member` receives notices on."""
    setting = NotificationSetting.objects.filter(member=member).first()
    channels = []
    by_email = setting.by_email if setting else True
    if by_email and member.user.email:
        channels.append(Channel.EMAIL)
    if setting and setting.chat_kind and setting.chat_webhook_url:
        channels.append(setting.chat_kind)
    return channels


def notice_send(
    *,
    recipient: Member,
    kind: NoticeKind,
    subject: str,
    body: str,
    link: str = "",
    follow_up: FollowUp | None = None,
    key: str | None = None,
    in_app_only: bool = False,
) -> Notice | None:
    """Create a notice and queue its deliveries (none when `in_app_only`). With a `key`, a
    notice already sent under that key is not sent again (returns None)."""
    from . import tasks

    if key is not None and Notice.objects.filter(key=key).exists():
        return None
    try:
        # Two workers racing for the same key: the unique key lets only one through.
        with transaction.atomic():
            notice = Notice.objects.create(
                recipient=recipient,
                kind=kind,
                subject=subject,
                body=body,
                link=link,
                follow_up=follow_up,
                key=key,
            )
    except IntegrityError:
        if key is None:
            raise
        return None
    deliveries = Delivery.objects.bulk_create(
        Delivery(notice=notice, channel=channel)
        for channel in ([] if in_app_only else channels_for(recipient))
    )
    for delivery in deliveries:
        # robust: a queue that is down (Redis) is logged, not turned into an error page for a
        # write that has already been saved; the delivery stays queued, visible as such.
        transaction.on_commit(lambda pk=delivery.pk: tasks.delivery_queue(pk), robust=True)
    return notice


def absolute(link: str) -> str:
    return f"{settings.DAYBOOK_BASE_URL}{link}" if link.startswith("/") else link


def _text(notice: Notice) -> str:
    if not notice.link:
        return notice.body
    return f"{notice.body}\n\nOpen in Daybook: {absolute(notice.link)}"


def _post_json(url: str, payload: dict) -> None:
    request = urllib.request.Request(  # noqa: S310 - the address is an admin-set https/http URL
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        response.read()


def _chat_payload(channel: str, notice: Notice) -> dict:
    text = f"*{notice.subject}*\n{_text(notice)}"
    if channel == Channel.TEAMS:
        # The connector card format that Teams incoming webhooks accept.
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": notice.subject,
            "title": notice.subject,
            "text": _text(notice).replace("\n", "  \n"),
        }
    return {"text": text}


def _send(delivery: Delivery) -> None:
    notice = delivery.notice
    member = notice.recipient
    if delivery.channel == Channel.EMAIL:
        send_mail(
            subject=notice.subject,
            message=_text(notice),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[member.user.email],
        )
        return
    setting = NotificationSetting.objects.filter(member=member).first()
    if setting is None or setting.chat_kind != delivery.channel or not setting.chat_webhook_url:
        raise DeliveryError(f"{member.first_name} no longer has a {delivery.channel} webhook set.")
    _post_json(setting.chat_webhook_url, _chat_payload(delivery.channel, notice))


class DeliveryError(Exception):
    pass


def delivery_attempt(delivery_id: int, *, final: bool) -> bool:
    """Try one delivery once and record the outcome. Returns True when sent. On failure
    raises DeliveryError so the task queue tries again, unless this was the `final` try."""
    delivery = (
        Delivery.objects.select_related("notice__recipient__user").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status == DeliveryStatus.SENT:
        return True
    delivery.attempts += 1
    try:
        _send(delivery)
    # HTTPException is not an OSError: a webhook answering something that is not HTTP
    # (BadStatusLine, IncompleteRead) would otherwise leave the row queued, unrecorded.
    except (OSError, HTTPError, URLError, HTTPException, DeliveryError) as error:
        delivery.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
        delivery.save(update_fields=["attempts", "last_error", "status"])
        if final:
            return False
        raise DeliveryError(delivery.last_error) from error
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "status", "sent_at"])
    return True


# A delivery still untried this long after it was queued was lost on the way to the queue
# (the queue was down when its write committed): it is queued again. Sending twice is
# avoided by delivery_attempt, which skips a delivery already sent.
STALE_QUEUED = timedelta(minutes=30)


def deliveries_requeue(now: datetime | None = None) -> int:
    """Queue again every delivery never tried since STALE_QUEUED ago. Returns how many."""
    from . import tasks

    now = now or timezone.now()
    stale = list(
        Delivery.objects.filter(
            status=DeliveryStatus.QUEUED, attempts=0, created_at__lt=now - STALE_QUEUED
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        tasks.delivery_queue(pk)
    return len(stale)
