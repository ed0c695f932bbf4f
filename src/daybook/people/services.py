import itertools
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from daybook.core.time import local_date
from daybook.core.validators import validate_time_zone

from .choices import Role, Weekday
from .models import Holiday, Member, ScheduleBlock, Team
from .rates import member_cost_rate_set
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
                {
                    "end": f"A working window must end after it starts: {Weekday(weekday).label}"
                    f" {start:%H:%M}-{end:%H:%M} does not."
                }
            )
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, windows in by_day.items():
        windows.sort()
        for (_, prev_end), (next_start, _) in itertools.pairwise(windows):
            if next_start < prev_end:
                raise ValidationError(
                    {
                        "schedule": f"Two windows on {Weekday(weekday).label} overlap at "
                        f"{next_start:%H:%M}; a split shift needs a break between its windows."
                    }
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


# --- setting up members and teams in the app ---------------------------------------------------

INVITE_SUBJECT = "people/invite_subject.txt"
INVITE_BODY = "people/invite_email.txt"


def member_role(member: Member) -> Role | None:
    """The role a member holds: the first role group of their login (members hold one)."""
    names = set(member.user.groups.values_list("name", flat=True))
    return next((role for role in Role if role.value in names), None)


def _role_set(member: Member, role: Role) -> None:
    user = member.user
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role.value))
    staff = user.is_superuser or role in STAFF_ROLES
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


def _email_clean(email: str, *, exclude_user_id: int | None = None) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": ["Give the email address the invitation goes to."]})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": [f"{email} is not an email address; write it as name@example.com."]}
        ) from None
    taken = get_user_model().objects.filter(email__iexact=email)
    if exclude_user_id is not None:
        taken = taken.exclude(pk=exclude_user_id)
    if taken.exists():
        raise ValidationError({"email": [f"Someone already signs in with {email}."]})
    return email


def member_invitation_send(*, member: Member, by: Member) -> None:
    """Mail the member a link to choose their password (Django's password-reset token, so
    the link works once and expires after PASSWORD_RESET_TIMEOUT), through the configured
    email backend. Raises ValidationError, saying why, when the mail cannot be sent."""

    _ensure_may(by, "people.add_member", "invite members")
    user = member.user
    if not user.email:
        raise ValidationError({"email": [f"{member} has no email address to invite."]})
    link = settings.DAYBOOK_BASE_URL + reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "member": member,
        "username": user.get_username(),
        "invited_by": by,
        "link": link,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = " ".join(render_to_string(INVITE_SUBJECT, context).split())
    body = render_to_string(INVITE_BODY, context)
    try:
        send_mail(subject, body, None, [user.email])
    except (OSError, ConnectionError) as error:
        raise ValidationError(
            {"email": [f"The invitation could not be sent to {user.email} ({error})."]}
        ) from None


@transaction.atomic
def member_invite(
    *,
    by: Member,
    email: str,
    first_name: str,
    last_name: str = "",
    username: str = "",
    role: Role | str = Role.TECHNICIAN,
    team: Team | None = None,
    reviewed_teams: Iterable[Team] = (),
    time_zone: str,
    start_date: date | None = None,
    expected_hours_per_day: Decimal = Decimal("8"),
    cost_rate: Decimal = Decimal("0"),
    cost_rate_from: date | None = None,
    default_work_role=None,
) -> Member:
    """Create a login and member for someone new and mail them a link to choose their own
    password. The login has no password until they do. If the mail cannot be sent nothing is
    kept, so the invitation can simply be tried again.

    The cost rate applies to every date, or from `cost_rate_from` on when given (a dated
    cost rate, see people/rates.py)."""
    _ensure_may(by, "people.add_member", "invite members")
    email = _email_clean(email)
    if not (first_name or "").strip():
        raise ValidationError({"first_name": ["Give the first name the member goes by."]})
    username = (username or "").strip() or email.lower()
    member = member_create(
        username=username,
        role=role,
        email=email,
        first_name=first_name.strip(),
        last_name=(last_name or "").strip(),
        team=team,
        time_zone=time_zone,
        expected_hours_per_day=expected_hours_per_day,
        cost_rate=cost_rate,
        default_work_role=default_work_role,
        start_date=start_date,
    )
    member.reviewed_teams.set(list(reviewed_teams))
    if cost_rate_from is not None:
        member_cost_rate_set(member=member, rate=cost_rate, effective_from=cost_rate_from, by=by)
    member_invitation_send(member=member, by=by)
    return member


@transaction.atomic
def member_update(
    *,
    by: Member,
    member: Member,
    email: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    team: Team | None,
    reviewed_teams: Iterable[Team],
    time_zone: str,
    start_date: date,
    end_date: date | None,
    expected_hours_per_day: Decimal,
    default_work_role=None,
    cost_rate: Decimal | None = None,
    cost_rate_from: date | None = None,
) -> Member:
    """Change a member's details, role, team and the teams they review. A `cost_rate` that
    differs from the latest one applies from `cost_rate_from` on (a dated cost rate: entries
    already saved keep theirs); None leaves the cost rate as it is."""
    _ensure_may(by, "people.change_member", "change members")
    role = Role(role)
    if member.pk == by.pk and role != Role.ADMIN and member_role(member) == Role.ADMIN:
        raise ValidationError(
            {"role": ["You cannot take the Admin role from yourself; ask another administrator."]}
        )
    if not (first_name or "").strip():
        raise ValidationError({"first_name": ["Give the first name the member goes by."]})
    user = member.user
    user.email = _email_clean(email, exclude_user_id=user.pk)
    user.first_name = first_name.strip()
    user.last_name = (last_name or "").strip()
    user.full_clean()
    user.save()
    validate_time_zone(time_zone)
    member.team = team
    member.time_zone = time_zone
    member.start_date = start_date
    member.end_date = end_date
    member.expected_hours_per_day = expected_hours_per_day
    member.default_work_role = default_work_role
    member.full_clean()
    member.save()
    member.reviewed_teams.set(list(reviewed_teams))
    _role_set(member, role)
    if cost_rate is not None and cost_rate != member.cost_rate:
        if cost_rate_from is None:
            raise ValidationError(
                {"cost_rate_from": ["Say from which date the new cost rate applies."]}
            )
        member_cost_rate_set(member=member, rate=cost_rate, effective_from=cost_rate_from, by=by)
    return member


@transaction.atomic
def member_schedule_set(
    *, by: Member, member: Member, blocks: list[tuple[int, time, time]]
) -> list[ScheduleBlock]:
    """An administrator replaces a member's weekly schedule (see `schedule_set`)."""
    _ensure_may(by, "people.change_member", "change members' schedules")
    return schedule_set(member=member, blocks=blocks)


def _team_apply(team: Team, *, name: str, reviewers: Iterable[Member]) -> Team:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the team a name."]})
    others = Team.objects.exclude(pk=team.pk) if team.pk else Team.objects.all()
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"There is already a team called {name}."]})
    team.name = name
    team.full_clean()
    team.save()
    team.reviewers.set(list(reviewers))
    return team


@transaction.atomic
def team_create(*, by: Member, name: str, reviewers: Iterable[Member] = ()) -> Team:
    """Add a team and the members who review its days."""
    _ensure_may(by, "people.add_team", "add teams")
    return _team_apply(Team(), name=name, reviewers=reviewers)


@transaction.atomic
def team_update(*, by: Member, team: Team, name: str, reviewers: Iterable[Member]) -> Team:
    """Rename a team or change who reviews it."""
    _ensure_may(by, "people.change_team", "change teams")
    return _team_apply(team, name=name, reviewers=reviewers)
