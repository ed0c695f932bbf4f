"""The shape of a reviewed day, shared by the API and `daybook review --format json`.

Times are given in the member's own zone, with its offset, because that is the day under
review. Keys that a viewer may not see are left out rather than sent empty.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rest_framework import serializers

from daybook.core.time import Span
from daybook.timekeeping.day import Finding, MemberDay

from ..models import MAX_NOTE_LENGTH
from ..selectors import DayView


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _span(span: Span, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "start": _local(span.start, zone),
        "end": _local(span.end, zone),
        "minutes": round(span.minutes),
    }


def _finding(finding: Finding, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "entry": finding.entry_id,
        "other_entry": finding.other_entry_id,
        "at": _local(finding.at, zone),
        "message": finding.message,
        "sent_to_dispatch": finding.for_dispatch,
    }


def _figures(figures: MemberDay, zone: ZoneInfo, *, own: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "expected_minutes": figures.expected_minutes,
        "logged_client_minutes": figures.logged_minutes_client,
        "logged_wrap_minutes": figures.logged_minutes_wrap,
        "unaccounted_minutes": figures.unaccounted_minutes,
        "working_day_end": _local(figures.working_day_end, zone),
        "day_ended": figures.day_ended,
        "gap_threshold_minutes": figures.policy.gap_threshold_minutes,
        "gaps": [_span(gap, zone) for gap in figures.gaps],
        "findings": [_finding(finding, zone) for finding in figures.findings],
    }
    if own:
        payload["small_gaps"] = [_span(gap, zone) for gap in figures.small_gaps]
    return payload


def day_payload(view: DayView) -> dict[str, Any]:
    """Plain data for one DayView, exactly what its viewer may see."""
    member = view.member
    zone = member.zone
    return {
        "member": {
            "id": member.pk,
            "name": member.name,
            "team_id": member.team_id,
            "team": member.team.name if member.team else None,
            "time_zone": member.time_zone,
        },
        "date": view.day.isoformat(),
        "status": view.status,
        "own_day": view.is_own,
        "review_opens_at": _local(view.review_opens_at, zone),
        "not_a_working_day": view.off_reason or None,
        "day": _figures(view.figures, zone, own=view.is_own) if view.figures else None,
    }


class SpanSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="Local time with offset (ISO 8601).")
    end = serializers.CharField(help_text="Local time with offset (ISO 8601).")
    minutes = serializers.IntegerField()


class FindingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    entry = serializers.IntegerField(allow_null=True)
    other_entry = serializers.IntegerField(allow_null=True)
    at = serializers.CharField()
    message = serializers.CharField()
    sent_to_dispatch = serializers.BooleanField(
        help_text="The ticket's agreement is the dispatcher's to fix; no follow-up asks about it."
    )


class FiguresSerializer(serializers.Serializer):
    expected_minutes = serializers.IntegerField()
    logged_client_minutes = serializers.IntegerField()
    logged_wrap_minutes = serializers.IntegerField()
    unaccounted_minutes = serializers.IntegerField()
    working_day_end = serializers.CharField()
    day_ended = serializers.BooleanField()
    gap_threshold_minutes = serializers.IntegerField()
    gaps = SpanSerializer(many=True)
    findings = FindingSerializer(many=True)
    small_gaps = SpanSerializer(
        many=True, required=False, help_text="Only on your own day; never shown to a reviewer."
    )


class MemberRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    time_zone = serializers.CharField()


class DayReviewSerializer(serializers.Serializer):
    """Read-only: one member's day as the requesting user may see it."""

    member = MemberRefSerializer()
    date = serializers.CharField()
    status = serializers.CharField(
        help_text="pending, clean, followed_up, resolved, excused, or in_progress while the "
        "member's day plus grace has not ended."
    )
    own_day = serializers.BooleanField()
    review_opens_at = serializers.CharField()
    not_a_working_day = serializers.CharField(
        allow_null=True,
        help_text="Why nobody expected work that day (a holiday, booked time off, before the "
        "member's start date or after their last day); null on a working day.",
    )
    day = FiguresSerializer(allow_null=True, help_text="Empty while the day is in progress.")


class ExcuseSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH, default=""
    )


class MarkAllCleanSerializer(serializers.Serializer):
    """The body's shape, for the schema. The view reads it with ReviewDayForm, the reading of
    date and team that the page and the command line share."""

    date = serializers.DateField()
    team = serializers.CharField(
        required=False, allow_null=True, help_text="A team's id or its name; all when left out."
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
