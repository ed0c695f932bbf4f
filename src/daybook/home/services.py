"""Writes for the written process: publishing a new version, and a member acknowledging one."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from daybook.people.models import Member

from .models import ProcessAcknowledgement, ProcessVersion
from .selectors import process_current

EDIT_PERMISSION = "home.add_processversion"
MAX_TITLE = 120
MAX_TEXT = 20_000
MAX_SUMMARY = 200
NOT_AN_ADMIN = "Only administrators edit the written process."


def may_edit_process(user) -> bool:
    """Whether `user` may publish a new version of the process (administrators)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(EDIT_PERMISSION))


def _checked(title: str, text: str, summary: str) -> tuple[str, str, str]:
    title, text, summary = title.strip(), text.strip(), summary.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the process a title, such as “How we log time”."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters; it has {len(title)}."
    if not text:
        errors["text"] = "Write the process before saving: an empty page tells nobody anything."
    elif len(text) > MAX_TEXT:
        errors["text"] = (
            f"The process may be up to {MAX_TEXT:,} characters; this has {len(text):,}."
        )
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = (
            f"Keep the note on what changed to {MAX_SUMMARY} characters; it has {len(summary)}."
        )
    if errors:
        raise ValidationError(errors)
    return title, text, summary


@transaction.atomic
def process_publish(
    *,
    title: str,
    text: str,
    by: Member | None,
    summary: str = "",
    based_on: int | None = None,
    now: datetime | None = None,
) -> ProcessVersion:
    """Save a new version of the process; every member sees it at their next page and is
    asked to acknowledge it. The author's own acknowledgement is recorded with it.

    `by` None is the system (the demo loader); a member must be an administrator.
    `based_on`: the version number the author started from (None: they started from nothing).
    When someone else saved a newer version meanwhile, nothing is saved and the refusal says
    so, rather than silently replacing their text.
    """
    if by is not None and not may_edit_process(by.user):
        raise PermissionDenied(NOT_AN_ADMIN)
    title, text, summary = _checked(title, text, summary)
    now = now or timezone.now()
    current = process_current()
    if current is not None and based_on != current.number:
        who = current.author.name if current.author else "someone else"
        raise ValidationError(
            f"Version {current.number} was saved by {who} while you were editing. Your text is "
            "still in the form: compare it with the current version and save again."
        )
    if current is not None and (current.title, current.text) == (title, text):
        raise ValidationError(
            f"This is the same as version {current.number}; change the text or the title "
            "before saving a new version."
        )
    number = current.number + 1 if current else 1
    try:
        with transaction.atomic():
            version = ProcessVersion.objects.create(
                number=number,
                title=title,
                text=text,
                summary=summary,
                author=by,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            f"Someone else saved version {number} a moment ago. Your text is still in the "
            "form: reload the current version, compare and save again."
        ) from None
    if by is not None:
        ProcessAcknowledgement.objects.create(member=by, version=version, acknowledged_at=now)
    return version


@transaction.atomic
def process_acknowledge(
    *, member: Member, version_number: int, now: datetime | None = None
) -> ProcessAcknowledgement:
    """Record that `member` read version `version_number`, which must be the one in force.
    Acknowledging the same version twice keeps the first time."""
    current = process_current()
    if current is None:
        raise ValidationError("There is no written process to acknowledge yet.")
    if version_number != current.number:
        raise ValidationError(
            f"Version {current.number} was published while this page was open. Read it "
            "below and acknowledge that one."
        )
    acknowledgement, _ = ProcessAcknowledgement.objects.get_or_create(
        member=member,
        version=current,
        defaults={"acknowledged_at": now or timezone.now()},
    )
    return acknowledgement
