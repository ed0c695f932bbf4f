"""Writes for day reviews: a reviewer's decisions and the review settings.

Every door (web, API, admin actions, commands) comes here, so the guardrails hold everywhere:
nobody decides about their own day, nobody decides about a day before its review has opened,
and only days the reviewer may see can be touched.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from daybook.core.transactions import retry_on_conflict
from daybook.people.models import Member, Team
from daybook.people.selectors import members_visible_to
from daybook.people.services import members_lock
from daybook.timekeeping.approval import week_submit_after_review
from daybook.timekeeping.day_figures import day_figures
from daybook.timekeeping.models import ReviewPolicy

from .choices import (
    OPEN_FOLLOW_UP_STATES,
    REVIEW_TRANSITIONS,
    FollowUpState,
    NoticeKind,
    ReviewState,
)
from .composer import Subject, message_tone
from .models import MAX_NOTE_LENGTH, DayReview, FollowUp, FollowUpMessage
from .notify import notice_send
from .selectors import DayView, may_write_in, review_day_for, review_days
from .tone import ToneResult


def _open_view(*, member: Member, day: date, by: Member, now: datetime) -> DayView:
    """The day as `by` sees it, once `by` may decide about it; refuses otherwise."""
    if by.pk == member.pk:
        raise PermissionDenied(
            "Your own days are reviewed by someone else; you can always see them yourself."
        )
    view = review_day_for(member=member, day=day, viewer=by.user, now=now)
    if view is None or view.is_own:
        raise PermissionDenied("You don't review this member's days.")
    if not view.listed and view.off is not None:
        raise ValidationError(
            f"There is nothing to review for {member.first_name} on {day:%a %d %b %Y}: it was "
            f"{view.off_reason}."
        )
    if view.in_progress:
        opens = view.review_opens_at.astimezone(member.zone)
        raise ValidationError(
            f"{member.first_name}'s day is still under way. Its review opens at "
            f"{opens:%H:%M} on {opens:%a %d %b} ({member.time_zone})."
        )
    return view


CLOSED_STATES = frozenset({ReviewState.CLEAN, ReviewState.EXCUSED, ReviewState.RESOLVED})


def _set_state(
    *,
    member: Member,
    day: date,
    by: Member,
    to: ReviewState,
    now: datetime,
    note: str | None = None,
) -> DayReview:
    """Move the day to `to`. Asking for the state it is already in changes nothing."""
    row = DayReview.objects.filter(member=member, date=day).first()
    current = ReviewState(row.state) if row else ReviewState.PENDING
    if current == to:
        return row or DayReview(member=member, date=day, state=to)
    if to not in REVIEW_TRANSITIONS[current]:
        raise ValidationError(
            f"This day is {current.label.lower()}; it can't be marked {to.label.lower()} "
            "from there."
        )
    if row is None:
        row = DayReview(member=member, date=day)
    row.state = to
    row.reviewed_by = by
    row.reviewed_at = now
    if note is not None:
        row.note = note
    row._history_user = by.user
    row.full_clean()
    row.save()
    if to in CLOSED_STATES:
        # By policy, closing a day's review may hand in its (finished) week for approval.
        week_submit_after_review(member=member, day=day, by=by, now=now)
    return row


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"note": [f"Keep the note to {MAX_NOTE_LENGTH} characters or fewer."]}
        )
    return note


@transaction.atomic
def review_mark_clean(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> DayReview:
    """Nothing to ask about: no gap at or over the threshold and no findings."""
    now = now or timezone.now()
    # The lock entry writes take too, so the day cannot change while it is being decided.
    members_lock([member.pk])
    view = _open_view(member=member, day=day, by=by, now=now)
    if view.needs_attention:
        raise ValidationError(
            "This day still has a gap or a finding to look at. If it is fine as it is, mark "
            "the day excused instead, with a word on why."
        )
    return _set_state(member=member, day=day, by=by, to=ReviewState.CLEAN, now=now)


def _finish(
    *, member: Member, day: date, by: Member, to: ReviewState, note: str, now: datetime | None
) -> DayReview:
    """Excuse or resolve the day, with an optional note; its open follow-ups close with it."""
    now = now or timezone.now()
    note = _clean_note(note)
    members_lock([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    row = _set_state(member=member, day=day, by=by, to=to, now=now, note=note)
    _close_follow_ups(member=member, day=day, now=now)
    return row


@transaction.atomic
def review_mark_excused(
    *, member: Member, day: date, by: Member, note: str = "", now: datetime | None = None
) -> DayReview:
    """The gaps or findings are understood and need nothing more."""
    return _finish(member=member, day=day, by=by, to=ReviewState.EXCUSED, note=note, now=now)


@transaction.atomic
def review_mark_resolved(
    *, member: Member, day: date, by: Member, note: str = "", now: datetime | None = None
) -> DayReview:
    """The member answered the follow-up and the day is sorted."""
    return _finish(member=member, day=day, by=by, to=ReviewState.RESOLVED, note=note, now=now)


@transaction.atomic
def review_reopen(
    *, member: Member, day: date, by: Member, now: datetime | None = None
) -> DayReview:
    """Put a clean, excused or resolved day back to pending."""
    now = now or timezone.now()
    members_lock([member.pk])
    _open_view(member=member, day=day, by=by, now=now)
    return _set_state(member=member, day=day, by=by, to=ReviewState.PENDING, now=now)


# Locks many members at once while follow-ups and entry writes lock some of them: ordered
# locks prevent deadlocks, and a retry covers whatever else the database may abort.
@retry_on_conflict()
@transaction.atomic
def review_mark_all_clean(
    *,
    day: date,
    members: QuerySet[Member] | list[Member],
    by: Member,
    now: datetime | None = None,
) -> int:
    """Mark clean every pending day among `members` that `by` may review, whose review has
    opened and that has no gap at or over the threshold and no findings. Returns how many.

    Days that need a look, days still under way and `by`'s own day are left as they are.
    """
    now = now or timezone.now()
    if not members_visible_to(by.user).exclude(pk=by.pk).exists():
        raise PermissionDenied("You don't review anyone's days.")
    if isinstance(members, QuerySet):
        ids = list(members.values_list("pk", flat=True))
    else:
        ids = [m.pk for m in members]
    members_lock(ids)
    views = review_days(day=day, members=members, viewer=by.user, now=now)
    ready = {view.member.pk: view.member for view in views if view.may_be_marked_clean}
    if not ready:
        return 0
    rows = {
        row.member_id: row for row in DayReview.objects.filter(member_id__in=list(ready), date=day)
    }
    changed, created = [], []
    for member_id, member in ready.items():
        row = rows.get(member_id)
        if row is None:
            row = DayReview(member=member, date=day)
            created.append(row)
        elif row.state != ReviewState.PENDING:
            continue
        else:
            changed.append(row)
        row.state = ReviewState.CLEAN
        row.reviewed_by = by
        row.reviewed_at = now
    if changed:
        for row in changed:
            row.updated_at = now
        bulk_update_with_history(
            changed,
            DayReview,
            ["state", "reviewed_by", "reviewed_at", "updated_at"],
            default_user=by.user,
        )
    if created:
        bulk_create_with_history(created, DayReview, default_user=by.user)
    for row in changed + created:
        week_submit_after_review(member=ready[row.member_id], day=day, by=by, now=now)
    return len(changed) + len(created)


@transaction.atomic
def policy_set(
    *,
    team: Team | None,
    by: Member,
    gap_threshold_minutes: int | None = None,
    realtime_window_minutes: int | None = None,
    grace_minutes: int | None = None,
) -> ReviewPolicy:
    """Change the organisation's review settings (team None) or one team's. A team without
    its own row starts from the organisation's values."""
    if not by.user.has_perm("timekeeping.change_reviewpolicy"):
        raise PermissionDenied("Only an administrator can change the review settings.")
    row = ReviewPolicy.objects.select_for_update().filter(team=team).first()
    if row is None:
        organisation = ReviewPolicy.objects.filter(team__isnull=True).first()
        row = ReviewPolicy(team=team)
        if organisation is not None:
            row.gap_threshold_minutes = organisation.gap_threshold_minutes
            row.realtime_window_minutes = organisation.realtime_window_minutes
            row.grace_minutes = organisation.grace_minutes
    changes = {
        "gap_threshold_minutes": gap_threshold_minutes,
        "realtime_window_minutes": realtime_window_minutes,
        "grace_minutes": grace_minutes,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    row._history_user = by.user
    row.full_clean()
    row.save()
    return row


# --- follow-ups -------------------------------------------------------------------------------

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 5000
MAX_REPLY_LENGTH = 2000


class ToneWarningError(ValidationError):
    """The message may read as blame; send again with `tone_confirmed` to send it anyway.
    Carries the tone check's warnings and its curious rewrite, for the door to show."""

    def __init__(self, result: ToneResult) -> None:
        self.warnings = result.warnings
        self.suggestion = result.suggestion
        super().__init__(
            {
                "body": [
                    f"“{w.quote}” may read as blame. {w.why} {w.advice} "
                    "Send again to send it as it is."
                    for w in result.warnings
                ]
            }
        )


def _tone_checked(*, subject: str = "", body: str, confirmed: bool) -> None:
    """Refuse a message that may read as blame until the reviewer confirms it: a warning,
    never a ban, because the reviewer knows the situation."""
    if confirmed:
        return
    result = message_tone(subject=subject, body=body)
    if result.flagged:
        raise ToneWarningError(result)


def _close_follow_ups(
    *, member: Member, day: date, now: datetime, by_entries: bool = False, only=None
) -> int:
    queryset = FollowUp.objects.filter(member=member, date=day, state__in=OPEN_FOLLOW_UP_STATES)
    if only is not None:
        queryset = queryset.filter(pk__in=[f.pk for f in only])
    return queryset.update(
        state=FollowUpState.RESOLVED,
        resolved_at=now,
        resolved_by_entries=by_entries,
        updated_at=now,
    )


def _checked_message(subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = ["Give the message a subject."]
    elif len(subject) > MAX_SUBJECT_LENGTH:
        errors["subject"] = [f"Keep the subject to {MAX_SUBJECT_LENGTH} characters or fewer."]
    if not body:
        errors["body"] = ["Write the message before sending it."]
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = [f"Keep the message to {MAX_BODY_LENGTH} characters or fewer."]
    if errors:
        raise ValidationError(errors)
    return subject, body


def _checked_subject(view: DayView, about: Subject) -> None:
    """A follow-up asks about a gap or finding the reviewer can see on the day now."""
    asks_gap = about.gap_start or about.gap_end
    if asks_gap and not any(
        g.start == about.gap_start and g.end == about.gap_end for g in view.gaps
    ):
        raise ValidationError(
            "That gap is no longer on the day; it may have been logged meanwhile. "
            "Reload the day and pick again."
        )
    if about.finding and not any(f.kind == about.finding for f in view.findings):
        raise ValidationError(
            "That finding is no longer on the day. Reload the day and pick again."
        )
    if about.finding and all(f.for_dispatch for f in view.findings if f.kind == about.finding):
        raise ValidationError(
            "The ticket's agreement is the dispatcher's to sort out, and it is already on "
            "their list; there is nothing to ask the member about it."
        )


@retry_on_conflict()
@transaction.atomic
def followup_send(
    *,
    member: Member,
    day: date,
    by: Member,
    subject: str,
    body: str,
    about: Subject | None = None,
    tone_confirmed: bool = False,
    now: datetime | None = None,
) -> FollowUp:
    """Ask the member about their day: a gap, a finding or the day as a whole. The day
    becomes followed up; the member finds the question in their Requests and, depending on
    their settings, by email or chat.

    A message that may read as blame is refused with ToneWarningError until the reviewer
    confirms it (`tone_confirmed`): a warning, never a ban.
    """
    now = now or timezone.now()
    about = about or Subject()
    subject, body = _checked_message(subject, body)
    _tone_checked(subject=subject, body=body, confirmed=tone_confirmed)
    members_lock([member.pk])
    view = _open_view(member=member, day=day, by=by, now=now)
    _checked_subject(view, about)
    _set_state(member=member, day=day, by=by, to=ReviewState.FOLLOWED_UP, now=now)
    follow_up = FollowUp(
        member=member,
        date=day,
        sent_by=by,
        subject=subject,
        body=body,
        gap_start=about.gap_start,
        gap_end=about.gap_end,
        finding=about.finding,
    )
    follow_up.full_clean()
    follow_up.save()
    # Sent at `now`, which the caller may pin (the demo's history, tests).
    FollowUp.objects.filter(pk=follow_up.pk).update(created_at=now, updated_at=now)
    follow_up.created_at = follow_up.updated_at = now
    notice_send(
        recipient=member,
        kind=NoticeKind.FOLLOW_UP,
        subject=subject,
        body=body,
        link=reverse("review:requests"),
        follow_up=follow_up,
    )
    return follow_up


def _reviewer_side(follow_up: FollowUp, *, besides: Member) -> list[Member]:
    """Who hears when the member writes: the reviewer who asked and every reviewer who has
    written since; the team's reviewers when none of them is left."""
    ids = {follow_up.sent_by_id} if follow_up.sent_by_id else set()
    ids |= set(
        follow_up.messages.exclude(author_id=follow_up.member_id)
        .exclude(author__isnull=True)
        .values_list("author_id", flat=True)
    )
    if not ids and follow_up.member.team_id:
        ids = set(follow_up.member.team.reviewers.values_list("pk", flat=True))
    ids -= {besides.pk, follow_up.member_id}
    return list(Member.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


@transaction.atomic
def follow_up_reply(
    *,
    follow_up: FollowUp,
    by: Member,
    body: str,
    tone_confirmed: bool = False,
    now: datetime | None = None,
) -> FollowUpMessage:
    """Add a message to a follow-up's conversation: the member answering, or a reviewer of
    the member's team (or the reviewer who asked) replying. Every door (Requests, the
    member's day page, the API) writes here.

    The other side hears of each message, in the app and on their channels. The member's
    message marks the request answered and is kept as its latest answer (`reply`); a
    reviewer's puts it back to waiting for the member, and goes through the tone check like
    the first message (ToneWarningError until `tone_confirmed`). A resolved request takes no
    more messages; anyone else is refused.
    """
    now = now or timezone.now()
    from_member = by.pk == follow_up.member_id
    if not may_write_in(follow_up=follow_up, member=by):
        raise PermissionDenied(
            "Only the member asked and the reviewers of their team can write in this request."
        )
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Write a short answer before sending it."]})
    if len(body) > MAX_REPLY_LENGTH:
        raise ValidationError(
            {"body": [f"Keep the answer to {MAX_REPLY_LENGTH} characters or fewer."]}
        )
    if not from_member:
        _tone_checked(body=body, confirmed=tone_confirmed)
    follow_up = (
        # Only the follow-up's row is locked: the sender is an outer join (it may be gone).
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("member__user", "member__team", "sent_by__user")
        .get(pk=follow_up.pk)
    )
    if follow_up.state == FollowUpState.RESOLVED:
        raise ValidationError("This request is already resolved; nothing more is needed.")
    message = FollowUpMessage.objects.create(
        follow_up=follow_up, author=by, body=body, created_at=now
    )
    if from_member:
        follow_up.reply = body
        follow_up.replied_at = now
        follow_up.state = FollowUpState.ANSWERED
        follow_up.save(update_fields=["reply", "replied_at", "state", "updated_at"])
        link = reverse("review:member_day", kwargs={"member_id": by.pk, "day": follow_up.date})
        for reviewer in _reviewer_side(follow_up, besides=by):
            notice_send(
                recipient=reviewer,
                kind=NoticeKind.REPLY,
                subject=f"{by.first_name} answered: {follow_up.subject}",
                body=body,
                link=link,
                follow_up=follow_up,
            )
    else:
        follow_up.state = FollowUpState.OPEN
        follow_up.save(update_fields=["state", "updated_at"])
        notice_send(
            recipient=follow_up.member,
            kind=NoticeKind.MESSAGE,
            subject=f"{by.first_name} replied: {follow_up.subject}",
            body=body,
            link=reverse("review:requests"),
            follow_up=follow_up,
        )
    return message


def followup_reply(
    *, follow_up: FollowUp, by: Member, text: str, now: datetime | None = None
) -> FollowUp:
    """The member answers in words: the Requests form's and /reply/'s door into the
    conversation, which only the member asked may use. Returns the follow-up as it is now."""
    if follow_up.member_id != by.pk:
        raise PermissionDenied("Only the member asked can answer this request.")
    message = follow_up_reply(follow_up=follow_up, by=by, body=text, now=now)
    return message.follow_up


def _still_asked(follow_up: FollowUp, figures) -> bool:
    """Whether the gap or finding a follow-up asks about is still on the day."""
    if follow_up.gap_start and follow_up.gap_end:
        return any(
            g.start < follow_up.gap_end and g.end > follow_up.gap_start for g in figures.gaps
        )
    if follow_up.finding:
        return any(f.kind == follow_up.finding for f in figures.findings)
    return True  # a question about the whole day waits for an answer or the reviewer


def followups_refresh(*, member: Member, days: Iterable[date], now: datetime | None = None) -> int:
    """Resolve the member's follow-ups whose gap is now logged (no gap at or over the
    threshold left in it) or whose finding is gone. A day whose follow-ups are all resolved
    becomes resolved. Returns how many follow-ups resolved. The entry services call it after
    every change, inside their transaction, through the DAYBOOK_AFTER_ENTRY_CHANGE setting."""
    now = now or timezone.now()
    asked = list(
        FollowUp.objects.filter(
            member=member, date__in=set(days), state__in=OPEN_FOLLOW_UP_STATES
        ).select_related("sent_by")
    )
    if not asked:
        return 0
    resolved = 0
    for day in sorted({f.date for f in asked}):
        figures = day_figures(day=day, members=[member], now=now)[member.pk]
        on_day = [f for f in asked if f.date == day]
        done = [f for f in on_day if not _still_asked(f, figures)]
        if not done:
            continue
        resolved += _close_follow_ups(member=member, day=day, now=now, by_entries=True, only=done)
        row = DayReview.objects.filter(
            member=member, date=day, state=ReviewState.FOLLOWED_UP
        ).first()
        if row is not None and len(done) == len(on_day):
            # Saved (not updated) so the day's history shows the entries resolved it.
            row.state = ReviewState.RESOLVED
            row.reviewed_at = now
            row.note = row.note or "Resolved when the member logged the time asked about."
            row._history_user = member.user
            row.save()
        for follow_up in done:
            if follow_up.sent_by_id:
                notice_send(
                    recipient=follow_up.sent_by,
                    kind=NoticeKind.REPLY,
                    subject=f"{member.first_name} logged the time: {follow_up.subject}",
                    body=f"{member.first_name} logged what you asked about on "
                    f"{day:%a} {day.day} {day:%b}; the request resolved itself.",
                    link=reverse("review:member_day", kwargs={"member_id": member.pk, "day": day}),
                    follow_up=follow_up,
                    in_app_only=True,
                )
    return resolved
