"""Reads for the written process: the version in force, what a member still has to read,
and who acknowledged which version."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from daybook.people.models import Member
from daybook.people.selectors import active_on

from .models import ProcessAcknowledgement, ProcessVersion


def process_current() -> ProcessVersion | None:
    """The version in force (the highest number), or None before anyone wrote one."""
    return ProcessVersion.objects.select_related("author__user").order_by("-number").first()


def process_pending_for(member: Member) -> int | None:
    """The number of the version in force when `member` has not acknowledged it yet; None
    when there is nothing for them to read. One query, whatever the history."""
    row = (
        ProcessVersion.objects.order_by("-number")
        .annotate(
            read=Exists(
                ProcessAcknowledgement.objects.filter(version=OuterRef("pk"), member=member)
            )
        )
        .values_list("number", "read")
        .first()
    )
    if row is None or row[1]:
        return None
    return row[0]


def process_versions() -> QuerySet[ProcessVersion]:
    """Every version, newest first, with who wrote it and how many acknowledged it."""
    return (
        ProcessVersion.objects.select_related("author__user")
        .annotate(acknowledged=Count("acknowledgements"))
        .order_by("-number")
    )


@dataclass(frozen=True)
class Reader:
    member: Member
    acknowledged_at: datetime | None
    # The newest version they acknowledged, when it is not the one shown.
    last_number: int | None


def process_readers(version: ProcessVersion, *, today: date | None = None) -> list[Reader]:
    """Every member working here today and whether they acknowledged `version`: those who
    have not come first, then the rest by name. Three queries."""
    today = today or timezone.localdate()
    members = list(Member.objects.filter(active_on(today)).select_related("user"))
    working = Member.objects.filter(active_on(today)).values("pk")
    acks = dict(
        ProcessAcknowledgement.objects.filter(version=version, member__in=working).values_list(
            "member_id", "acknowledged_at"
        )
    )
    latest = dict(
        ProcessAcknowledgement.objects.filter(member__in=working)
        .values("member_id")
        .annotate(last=Max("version__number"))
        .values_list("member_id", "last")
    )
    readers = [
        Reader(
            member=m,
            acknowledged_at=acks.get(m.pk),
            last_number=None if m.pk in acks else latest.get(m.pk),
        )
        for m in members
    ]
    return sorted(readers, key=lambda r: (r.acknowledged_at is not None, r.member.name.lower()))
