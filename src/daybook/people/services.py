import itertools
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from daybook.core.time import local_date
from daybook.core.validators import validate_time_zone

from .choices import Role
from .models import Holiday, Member, ScheduleBlock, Team
from .roles import STAFF_ROLES

WEEKDAYS = range(5)


def members_lock(ids: Iterable[int]) -> None:
    """Lock these members' rows until the transaction ends, the lock every write to a
    member's time and reviews takes first, so two requests cannot both decide on what the
    other is about to change.

    Always in ascending pk order: two requests locking overlapping sets in different orders
    would each wait for the other (a deadlock). FOR NO KEY UPDATE rather than FOR UPDATE:
    saving a row that points at a member (an entry, a review, a follow-up naming its sender)
    takes a key-share lock on that member, which FOR UPDATE would block and NO KEY UPDATE
    does not, so a reviewer's follow-up never waits on a lock held for someone else's day.
    """
    ordered = sorted(set(ids))
    if not ordered:
        return
    no_key = connection.features.has_select_for_no_key_update  # PostgreSQL; SQLite locks it all
    locking = Member.objects.select_for_update(no_key=no_key).filter(pk__in=ordered)
    list(locking.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def member_create(
    *,
    username: str,
    role: Role | str = Role.TECHNICIAN,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
    time_zone: str | None = None,
    expected_hours_per_day: Decimal = Decimal("8"),
    cost_rate: Decimal = Decimal("0"),
    default_work_role=None,
    superuser: bool = False,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Member:
    """Create a login and its member in one step, in the group for its role. The member
    starts today in their own zone unless `start_date` says otherwise."""
    role = Role(role)
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"The username {username!r} is already taken."})
    if time_zone is not None:
        validate_time_zone(time_zone)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=superuser or role in STAFF_ROLES,
        is_superuser=superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role.value))
    member = Member(
        user=user,
        team=team,
        expected_hours_per_day=expected_hours_per_day,
        cost_rate=cost_rate,
        default_work_role=default_work_role,
    )
    if time_zone is not None:
        member.time_zone = time_zone
    member.start_date = start_date or local_date(timezone.now(), member.zone)
    member.end_date = end_date
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def schedule_set(*, member: Member, blocks: list[tuple[int, time, time]]) -> list[ScheduleBlock]:
    """Replace a member's weekly schedule. Blocks on one weekday may not overlap."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in blocks:
        if not 0 <= weekday <= 6:
            raise ValidationError({"weekday": f"Weekday must be 0 (Monday) to 6, not {weekday}."})
        if end <= start:
            raise ValidationError(
                {"end": f"A working window must end after it starts ({start:%H:%M}-{end:%H:%M})."}
            )
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, windows in by_day.items():
        windows.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(windows):
            if next_start < prev_end:
                raise ValidationError(
                    {"schedule": f"Windows on weekday {weekday} overlap at {next_start:%H:%M}."}
                )
    member.schedule.all().delete()
    return ScheduleBlock.objects.bulk_create(
        ScheduleBlock(member=member, weekday=w, start=s, end=e) for w, s, e in blocks
    )


def standard_week(start: time = time(9), end: time = time(17)) -> list[tuple[int, time, time]]:
    return [(day, start, end) for day in WEEKDAYS]


MAX_HOLIDAY_NAME = Holiday._meta.get_field("name").max_length


def _ensure_may(by: Member, permission: str, action: str) -> None:
    if not by.user.has_perm(permission):
        raise PermissionDenied(f"Only an administrator can {action}.")


@transaction.atomic
def holiday_add(*, day: date, name: str, team: Team | None, by: Member) -> Holiday:
    """Make `day` a holiday for the whole organisation (team None) or for one team. Nobody it
    applies to is expected to work that day, so it holds no gaps and no review."""
    _ensure_may(by, "people.add_holiday", "add holidays")
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Give the holiday a name, e.g. Labour Day."]})
    if len(name) > MAX_HOLIDAY_NAME:
        raise ValidationError(
            {"name": [f"Keep the name to {MAX_HOLIDAY_NAME} characters or fewer."]}
        )
    if Holiday.objects.filter(date=day, team=team).exists():
        whose = f"{team} already has" if team else "The organisation already has"
        raise ValidationError({"date": [f"{whose} a holiday on {day:%a %d %b %Y}."]})
    holiday = Holiday(date=day, name=name, team=team)
    holiday.full_clean()
    holiday.save()
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday, by: Member) -> None:
    """Take a holiday off the calendar: the day is a working day again for those it covered."""
    _ensure_may(by, "people.delete_holiday", "remove holidays")
    Holiday.objects.filter(pk=holiday.pk).delete()
