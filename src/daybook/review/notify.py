"""Notices to members and their delivery by email and chat webhook.

A notice is always readable in the app. Each other channel the recipient uses gets a Delivery
row, sent by a background task after the transaction commits, tried again on failure, with
the outcome recorded on the row in our own words (never what the remote server answered).

Each delivery goes out once as far as the receiver allows: a worker claims the row with a
conditional UPDATE before sending, so two workers never send it at the same time; every try
carries the delivery's uuid (Idempotency-Key header, email Message-ID), so a receiver can
recognise a second try of a message whose first try's outcome was lost.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr
from uuid import uuid4

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from daybook.core import outbound
from daybook.people.models import Member

from .choices import Channel, DeliveryStatus, NoticeKind
from .models import Delivery, FollowUp, Notice, NotificationSetting

logger = logging.getLogger(__name__)

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


def message_id(delivery: Delivery) -> str:
    """The email Message-ID of a delivery: the same on every try, so a resend is recognisably
    the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "daybook.invalid"
    return f"<delivery-{delivery.uuid}@{domain}>"


class DeliveryError(Exception):
    pass


def _send(delivery: Delivery) -> None:
    notice = delivery.notice
    member = notice.recipient
    if delivery.channel == Channel.EMAIL:
        body = _text(notice)
        if notice.kind == NoticeKind.FOLLOW_UP:
            # Every request links to the organisation's written process (the home app's page).
            body += f"\n\nHow we log time here: {absolute(reverse('home:process'))}"
        EmailMessage(
            subject=notice.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.user.email],
            headers={"Message-ID": message_id(delivery)},
        ).send()
        return
    setting = NotificationSetting.objects.filter(member=member).first()
    if setting is None or setting.chat_kind != delivery.channel or not setting.chat_webhook_url:
        raise DeliveryError(f"{member.first_name} no longer has a {delivery.channel} webhook set.")
    outbound.post_json(
        setting.chat_webhook_url,
        _chat_payload(delivery.channel, notice),
        headers={"Idempotency-Key": str(delivery.uuid)},
    )


def _failure(error: Exception) -> str:
    """What went wrong, in our own words: a remote server's text (an SMTP reply, an HTTP body
    or banner) is never passed on to the member."""
    if isinstance(error, outbound.OutboundError):
        return error.summary
    if isinstance(error, DeliveryError):
        return str(error)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server answered {error.smtp_code}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the recipient"
    if isinstance(error, smtplib.SMTPException):
        return f"the mail server failed ({type(error).__name__})"
    if isinstance(error, OSError):
        return f"could not reach the mail server ({type(error).__name__})"
    return f"sending failed unexpectedly ({type(error).__name__})"


# A claim is taken to be lost (its worker died) only once the send it was made for must have
# ended: the longest a send may take plus this margin. Until then nothing sends the delivery.
CLAIM_MARGIN = timedelta(seconds=60)
CLAIMABLE = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.FAILED)


def claim_lifetime() -> timedelta:
    """How long a claim holds. Webhooks end by DAYBOOK_OUTBOUND_TIMEOUT_SECONDS; email waits
    up to EMAIL_TIMEOUT per step of the conversation, so it gets that time too."""
    longest = max(settings.DAYBOOK_OUTBOUND_TIMEOUT_SECONDS, settings.EMAIL_TIMEOUT or 0)
    return timedelta(seconds=longest) + CLAIM_MARGIN


def delivery_claim(delivery_id: int, *, now: datetime) -> Delivery | None:
    """Claim a delivery for sending, or None when it is sent, gone, or claimed by a worker
    that may still be sending it. One conditional UPDATE: of two workers racing for the same
    row, the database lets exactly one change it."""
    token = uuid4()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status__in=CLAIMABLE)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - claim_lifetime())
        )
        .update(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("notice__recipient__user").get(pk=delivery_id)


# Failures that recording is enough for: anything else is also logged with its traceback.
EXPECTED_FAILURES = (outbound.OutboundError, DeliveryError, OSError, smtplib.SMTPException)


def delivery_attempt(delivery_id: int, *, final: bool) -> bool:
    """Try one delivery once and record the outcome. Returns True when sent (now or before).
    On failure raises DeliveryError so the task queue tries again, unless this was the
    `final` try or the address is refused (trying again would not change that). A delivery
    another worker may be sending is left to it (returns False)."""
    delivery = delivery_claim(delivery_id, now=timezone.now())
    if delivery is None:
        unsent = Delivery.objects.filter(pk=delivery_id).exclude(status=DeliveryStatus.SENT)
        return not unsent.exists()
    try:
        _send(delivery)
    except Exception as error:
        if not isinstance(error, EXPECTED_FAILURES):
            logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        summary = _failure(error)[:MAX_ERROR_LENGTH]
        give_up = final or isinstance(error, outbound.AddressRefused)
        # Only under this try's own claim: one taken over meanwhile belongs to the newer try.
        recorded = Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
            status=DeliveryStatus.FAILED if give_up else DeliveryStatus.RETRYING,
            last_error=summary,
            claimed_at=None,
            claim_token=None,
        )
        if give_up or not recorded:
            return False
        raise DeliveryError(summary) from error
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_at=None, claim_token=None
    )
    return True


# A delivery still untried this long after it was queued was lost on the way to the queue
# (the queue was down when its write committed): it is queued again.
STALE_QUEUED = timedelta(minutes=30)


def deliveries_requeue(now: datetime | None = None) -> int:
    """Queue again every delivery never tried since STALE_QUEUED ago, and every one whose
    worker claimed it and then vanished (its claim older than claim_lifetime()). A claim that
    may still be in use is left alone, and the resend carries the same uuid. Returns how
    many were queued."""
    from . import tasks

    now = now or timezone.now()
    lost = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.QUEUED, attempts=0, created_at__lt=now - STALE_QUEUED)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - claim_lifetime())
        ).values_list("pk", flat=True)
    )
    for pk in lost:
        tasks.delivery_queue(pk)
    return len(lost)
