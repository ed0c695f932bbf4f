import itertools
from datetime import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from daybook.core.validators import validate_time_zone

from .choices import Role
from .models import Member, ScheduleBlock, Team
from .roles import STAFF_ROLES

WEEKDAYS = range(5)


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
) -> Member:
    """Create a login and its member in one step, in the group for its role."""
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
