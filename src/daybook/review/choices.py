from django.db import models


class ReviewState(models.TextChoices):
    """Where a reviewer is with one member's day. No row in the table means pending."""

    PENDING = "pending", "Pending"
    CLEAN = "clean", "Clean"
    FOLLOWED_UP = "followed_up", "Followed up"
    RESOLVED = "resolved", "Resolved"
    EXCUSED = "excused", "Excused"


# Which states a day may move to from each state. Reopening puts a finished day back to pending.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewState.PENDING: frozenset(
        {ReviewState.CLEAN, ReviewState.EXCUSED, ReviewState.FOLLOWED_UP}
    ),
    ReviewState.FOLLOWED_UP: frozenset({ReviewState.RESOLVED, ReviewState.EXCUSED}),
    ReviewState.CLEAN: frozenset({ReviewState.PENDING}),
    # Asking again about a resolved day is a new follow-up.
    ReviewState.RESOLVED: frozenset({ReviewState.PENDING, ReviewState.FOLLOWED_UP}),
    ReviewState.EXCUSED: frozenset({ReviewState.PENDING}),
}

# Shown instead of a state while the member's day (plus grace) has not ended yet.
IN_PROGRESS = "in_progress"


class FollowUpState(models.TextChoices):
    """Where a question to a member stands."""

    OPEN = "open", "Waiting for the member"
    ANSWERED = "answered", "Answered"
    RESOLVED = "resolved", "Resolved"


OPEN_FOLLOW_UP_STATES = (FollowUpState.OPEN, FollowUpState.ANSWERED)


class NoticeKind(models.TextChoices):
    """What an in-app notice is about."""

    FOLLOW_UP = "follow_up", "Request about your day"
    REPLY = "reply", "Reply to your request"
    DIGEST = "digest", "Days ready for review"
    NUDGE = "nudge", "Timer still running"
    MESSAGE = "message", "New message about a request"
    REMINDER = "reminder", "Time not logged yet"


class Channel(models.TextChoices):
    """Where a notice goes besides the app itself."""

    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChatKind(models.TextChoices):
    NONE = "", "No chat messages"
    SLACK = Channel.SLACK.value, Channel.SLACK.label
    TEAMS = Channel.TEAMS.value, Channel.TEAMS.label


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    # A worker has claimed it and is sending it now (see Delivery.claimed_at).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
