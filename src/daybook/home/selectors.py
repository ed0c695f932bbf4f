"""Reads for the written process: the version in force, what a member still has to read,
and who acknowledged which version."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from daybook.people.models import Member
from daybook.people.selectors import active_on
from daybook.review.selectors import open_requests_of, reviews_a_team

from .models import ProcessAcknowledgement, ProcessVersion


def process_current() -> ProcessVersion | None:
    """The version in force (the highest number), or None before anyone wrote one."""
    return ProcessVersion.objects.select_related("author__user").order_by("-number").first()


@dataclass(frozen=True)
class MemberNav:
    """What every page asks about the member behind it: the navigation's review link and
    open requests, and whether the process is waiting to be read."""

    reviews_a_team: bool
    open_requests: int
    process_pending: int | None  # the version in force, while the member has not read it


def member_nav(member: Member) -> MemberNav:
    """One query, whatever the history: every page's chrome pays for one round trip."""
    in_force = ProcessVersion.objects.order_by("-number")
    reviews, open_requests, number, read = (
        Member.objects.filter(pk=member.pk)
        .annotate(
            reviews=reviews_a_team(OuterRef("pk")),
            open_requests=open_requests_of(OuterRef("pk")),
            number=Subquery(in_force.values("number")[:1]),
            read=Exists(
                ProcessAcknowledgement.objects.filter(
                    member=OuterRef("pk"), version=Subquery(in_force.values("pk")[:1])
                )
            ),
        )
        .values_list("reviews", "open_requests", "number", "read")
        .get()
    )
    return MemberNav(
        reviews_a_team=reviews,
        open_requests=open_requests,
        process_pending=None if read else number,
    )


def process_pending_for(member: Member) -> int | None:
    """The number of the version in force when `member` has not acknowledged it yet; None
    when there is nothing for them to read."""
    return member_nav(member).process_pending


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
