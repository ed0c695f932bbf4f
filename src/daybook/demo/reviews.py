"""Review history for the small demo: weeks of decided days and follow-ups, so the daily
review, Requests and team trends have something to show on the first visit.

Everything goes through the review services, as a reviewer's clicks would. Yesterday stays
pending for the visitor to review; the last week's follow-ups stay open, older ones are
resolved or excused.
"""

import random
from datetime import datetime, time, timedelta

from daybook.core.time import local_date
from daybook.people.models import Member, Team
from daybook.review.composer import Subject, fill, placeholder_values
from daybook.review.models import MessageTemplate, NotificationSetting
from daybook.review.selectors import review_days
from daybook.review.services import followup_send, review_mark_all_clean, review_mark_excused

HISTORY_DAYS = 42
OPEN_DAYS = 7
SHOWCASE_USERNAME = "tech"


def _about(view) -> tuple[Subject, str]:
    if view.gaps:
        gap = view.gaps[0]
        return Subject(gap_start=gap.start, gap_end=gap.end), ""
    # A day that needs attention without a gap has a finding for the member (not one the
    # dispatcher sorts out, which nobody asks the member about).
    finding = next(f for f in view.findings if not f.for_dispatch)
    return Subject(finding=finding.kind), finding.message


def seed_reviews(*, now: datetime) -> int:
    """Decide the demo's past days as its team reviewers would. Returns follow-ups sent."""
    # The history is written with email off, so the worker's first start is not a flood of
    # old mail; afterwards the showcase technician's new notices go out by email (to the
    # worker's console) while the others read theirs in the app.
    NotificationSetting.objects.bulk_create(
        NotificationSetting(member=m, by_email=False) for m in Member.objects.all()
    )
    gap_template = MessageTemplate.objects.get(is_default=True)
    finding_template = MessageTemplate.objects.exclude(is_default=True).order_by("name").first()
    sent = 0
    for team in Team.objects.prefetch_related("reviewers__user"):
        reviewer = team.reviewers.order_by("pk").first()
        if reviewer is None:
            continue
        members = Member.objects.filter(team=team).exclude(pk=reviewer.pk)
        today = local_date(now, reviewer.zone)
        for back in range(HISTORY_DAYS, 1, -1):
            day = today - timedelta(days=back)
            # The reviewer looks at each day the next morning, in their own zone.
            morning = datetime.combine(day + timedelta(days=1), time(9), tzinfo=reviewer.zone)
            review_mark_all_clean(day=day, members=members, by=reviewer, now=morning)
            views = review_days(day=day, members=members, viewer=reviewer.user, now=morning)
            for view in views:
                if not view.needs_attention or view.state != "pending":
                    continue
                about, finding_text = _about(view)
                template = gap_template if about.gap_start else finding_template
                values = placeholder_values(
                    first_name=view.member.first_name,
                    day=day,
                    zone=view.member.zone,
                    about=about,
                    finding_text=finding_text,
                    reviewer=reviewer.first_name,
                )
                followup_send(
                    member=view.member,
                    day=day,
                    by=reviewer,
                    subject=fill(template.subject, values),
                    body=fill(template.body, values),
                    about=about,
                    now=morning,
                )
                sent += 1
                if back > OPEN_DAYS:
                    rng = random.Random(day.toordinal() * 1000 + view.member.pk)
                    review_mark_excused(
                        member=view.member,
                        day=day,
                        by=reviewer,
                        note="Talked it through; nothing more needed.",
                        now=morning + timedelta(hours=rng.randint(1, 30)),
                    )
    NotificationSetting.objects.filter(member__user__username=SHOWCASE_USERNAME).update(
        by_email=True
    )
    return sent
