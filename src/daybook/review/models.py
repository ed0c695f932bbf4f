from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from daybook.core.models import TimeStampedModel
from daybook.core.outbound import validate_outbound_url
from daybook.timekeeping.choices import FindingKind

from .choices import Channel, ChatKind, DeliveryStatus, FollowUpState, NoticeKind, ReviewState

MAX_NOTE_LENGTH = 2000


class DayReview(TimeStampedModel):
    """A reviewer's decision about one member's local day. Gaps and findings are computed
    from the entries each time; only the decision is kept. No row means pending."""

    # No index of its own: the (member, date) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="day_reviews", db_index=False
    )
    date = models.DateField(help_text="The member's local calendar day.")
    state = models.CharField(
        max_length=12, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    reviewed_by = models.ForeignKey(
        "people.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(no_db_index=["created_at", "member", "reviewed_by"])

    class Meta:
        ordering = ["-date", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "date"], name="one_review_per_member_day"),
        ]
        indexes = [models.Index(fields=["date", "state"])]

    def __str__(self) -> str:
        return f"{self.member} {self.date:%Y-%m-%d}: {self.get_state_display()}"


class MessageTemplate(TimeStampedModel):
    """A starting point for a follow-up. Placeholders in braces are filled from the day:
    see PLACEHOLDERS in review/composer.py, which also checks them on save."""

    name = models.CharField(max_length=80, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    is_default = models.BooleanField(
        default=False, help_text="Offered first in the composer. Only one template can be."
    )
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(no_db_index=["created_at", "name"])

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_message_template",
                violation_error_message="Another template is already the default.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .composer import template_errors

        errors = template_errors(subject=self.subject, body=self.body)
        if errors:
            raise ValidationError(errors)


class FollowUp(TimeStampedModel):
    """A reviewer's question to a member about one day: a gap, a finding or the day as a
    whole. It resolves itself once the gap is logged or the finding is gone."""

    # No index of its own: the (member, state, date) index leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="follow_ups", db_index=False
    )
    date = models.DateField(help_text="The member's local calendar day asked about.")
    sent_by = models.ForeignKey(
        "people.Member", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    gap_start = models.DateTimeField(null=True, blank=True)
    gap_end = models.DateTimeField(null=True, blank=True)
    finding = models.CharField(max_length=32, choices=FindingKind.choices, blank=True)
    state = models.CharField(
        max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_entries = models.BooleanField(
        default=False, help_text="Resolved because the member logged the time asked about."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["member", "state", "date"]),
            models.Index(fields=["date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(gap_start__isnull=True) & Q(gap_end__isnull=True))
                | Q(gap_end__gt=F("gap_start")),
                name="follow_up_gap_ordered",
                violation_error_message="A gap must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up to {self.member} about {self.date:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.state != FollowUpState.RESOLVED


class FollowUpMessage(models.Model):
    """One message in a follow-up's conversation after the question that opened it: the
    member's answer or a reviewer's reply. The opening question stays on the FollowUp."""

    # No index of its own: the (follow_up, created_at) index leads with it.
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        "people.Member", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["follow_up", "created_at"])]

    def __str__(self) -> str:
        return f"Message on {self.follow_up}"

    @property
    def from_member(self) -> bool:
        """Written by the member asked (not by a reviewer)."""
        return self.author_id is not None and self.author_id == self.follow_up.member_id


class NotificationSetting(models.Model):
    """How one member wants notices besides the app: email, a chat webhook, both or neither."""

    member = models.OneToOneField(
        "people.Member", on_delete=models.CASCADE, related_name="notification_setting"
    )
    by_email = models.BooleanField(default=True, help_text="Send notices to my email address.")
    chat_kind = models.CharField(max_length=8, choices=ChatKind.choices, blank=True)
    # The validator refuses hosts off the administrator's list and internal addresses, for
    # every door that saves this (settings page, admin, API); sending checks again.
    chat_webhook_url = models.URLField(
        blank=True,
        max_length=500,
        validators=[validate_outbound_url],
        help_text="An incoming webhook address from Slack or Microsoft Teams.",
    )
    remind_unlogged = models.BooleanField(
        default=True,
        help_text="Remind me when my working day ends with time not logged yet.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chat_kind="") | ~Q(chat_webhook_url=""),
                name="chat_kind_needs_webhook",
                violation_error_message="Give the webhook address for chat messages.",
            ),
        ]

    def __str__(self) -> str:
        return f"Notifications for {self.member}"


class Notice(models.Model):
    """Something for one member to read in the app; its deliveries carry it elsewhere."""

    # No index of its own: the (recipient, read_at) index leads with it.
    recipient = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    # Digests and nudges go out at most once per key (reviewer and date, timer start).
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"


class Delivery(models.Model):
    """One notice carried over one channel, with what happened. A worker claims the row
    (status sending, claimed_at, claim_token) before it sends, so only one sends at a time."""

    # No index of its own: the (notice, channel) unique constraint leads with it.
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Sent with every try (Idempotency-Key header, email Message-ID), so a receiver can tell a
    # second try of the same message from a new one.
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["notice_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel"], name="one_delivery_per_channel"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENDING)
                | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="delivery_sending_is_claimed",
                violation_error_message="A delivery being sent must say who claimed it, and when.",
            ),
        ]
        # The requeue looks for deliveries left queued or claimed too long.
        indexes = [models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_status_display().lower()}"
