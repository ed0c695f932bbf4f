from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window
from daybook.people.models import Team
from daybook.timekeeping.choices import FindingKind
from daybook.timekeeping.models import ReviewPolicy

from .composer import Subject
from .models import MAX_NOTE_LENGTH, MessageTemplate, NotificationSetting
from .selectors import Viewer, review_teams
from .services import MAX_BODY_LENGTH, MAX_REPLY_LENGTH, MAX_SUBJECT_LENGTH
from .trends import MAX_WEEKS

# --- which day to review: one reading for the page, the API and `daybook review` ------------

REVIEW_FORMATS = ("table", "json", "csv")
# The first calendar day to begin anywhere begins at UTC+14 (Line Islands). A date after
# that one's has not begun for anybody, so no day on it can be under way, let alone reviewed.
EARLIEST_UTC_OFFSET = timedelta(hours=14)


def day_has_begun(day: date, *, now: datetime | None = None) -> bool:
    """Whether `day` has begun somewhere on Earth by `now`."""
    now = now or timezone.now()
    return day <= (now.astimezone(UTC) + EARLIEST_UTC_OFFSET).date()


@dataclass(frozen=True)
class ReviewDay:
    """A checked choice of day, team and output format."""

    day: date | None  # None only where the form was told the date may be left out
    team: Team | None  # None: every team the viewer reviews
    format: str


class ReviewDayForm(forms.Form):
    """Which day to review, for which team, and how to print it: the one reading of `date`,
    `team` and `format` shared by the daily review page, /api/reviews/ and `daybook review`,
    so a bad value gets the same sentence at every door.

    - date: written 2025-03-14, and begun somewhere already (a later day holds nothing to
      review). Required unless `date_required=False` (the page picks a day itself).
    - team: a team's name, in any case, or its id. It only narrows the list: whose days show
      is still decided by `reviewable_members`, so another team's name lists nobody.
    - format: table, json or csv; only the command line asks for it.

    A door names its own parameters in the sentences through `names` ("--date" on the
    command line); otherwise they read "The date", "The format".
    """

    date = forms.CharField(required=False)
    team = forms.CharField(required=False)
    format = forms.CharField(required=False)

    NAMES = {"date": "The date", "format": "The format"}

    def __init__(
        self,
        data: Mapping,
        *,
        viewer: Viewer,
        date_required: bool = True,
        names: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(data)
        self.viewer = viewer
        self.date_required = date_required
        self.names = {**self.NAMES, **(names or {})}
        self.now = now

    # Quoted: inside this class body `date` is the field, not the type.
    def clean_date(self) -> "date | None":
        raw = self.cleaned_data["date"]
        name = self.names["date"]
        if not raw:
            if self.date_required:
                raise ValidationError(f"{name} is missing; give one like 2025-03-14.")
            return None
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(f"{name} must be a date like 2025-03-14, not {raw!r}.") from None
        if not in_date_window(day):
            raise ValidationError(DATE_WINDOW_MESSAGE)
        if not day_has_begun(day, now=self.now):
            raise ValidationError(
                f"Nothing on {day:%Y-%m-%d} can be reviewed yet: that day has not begun."
            )
        return day

    def clean_team(self) -> Team | None:
        raw = self.cleaned_data["team"]
        if not raw:
            return None
        team = Team.objects.filter(name__iexact=raw).first()
        if team is None and raw.isdecimal():
            team_id = int(raw)
            team = Team.objects.filter(pk=team_id).first()
            if team is None:
                raise ValidationError(f"There is no team with id {team_id}.")
        if team is None:
            raise ValidationError(f"There is no team called {raw!r}. {_team_choices(self.viewer)}")
        return team

    def clean_format(self) -> str:
        raw = self.cleaned_data["format"] or REVIEW_FORMATS[0]
        if raw not in REVIEW_FORMATS:
            name = self.names["format"]
            raise ValidationError(
                f"{name} must be one of {', '.join(REVIEW_FORMATS)}, not {raw!r}."
            )
        return raw

    def checked(self) -> ReviewDay:
        """The choice, or a ValidationError whose messages are keyed by parameter."""
        if not self.is_valid():
            raise ValidationError(self.errors.as_data())
        return ReviewDay(
            day=self.cleaned_data["date"],
            team=self.cleaned_data["team"],
            format=self.cleaned_data["format"],
        )


def _team_choices(viewer: Viewer) -> str:
    # Only the teams the asker reviews: a wrong guess should not list everyone else's.
    names = list(review_teams(viewer).values_list("name", flat=True))
    return f"Teams: {', '.join(names)}." if names else "There are no teams to choose from."


class TrendsForm(forms.Form):
    weeks = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_WEEKS,
        error_messages={
            "invalid": f"Give the number of weeks as a whole number from 1 to {MAX_WEEKS}.",
            "min_value": f"Show at least 1 week (up to {MAX_WEEKS}).",
            "max_value": f"Show at most {MAX_WEEKS} weeks.",
        },
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="All my teams",
        error_messages={"invalid_choice": "That team is not one whose trends you can see."},
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


# --- follow-ups, decisions, settings -------------------------------------------------------

# Checked again once the reviewer stops typing for a moment, not on every key; on `change` too,
# for words pasted with the mouse; and on `tone-recheck`, which review/static/review/composer.js
# sends after "Use this wording" fills the box.
LIVE_TONE_TRIGGER = "keyup changed delay:400ms, change, tone-recheck"


def live_tone_check(field: forms.Field, *, target: str) -> None:
    """Have the browser post the field's form to the tone check as the reviewer types, and
    show the answer in the element with id `target`."""
    field.widget.attrs.update(
        {
            "hx-post": reverse("review:tone_check"),
            "hx-trigger": LIVE_TONE_TRIGGER,
            "hx-target": f"#{target}",
            "hx-swap": "innerHTML",
            # A newer check replaces one still on its way, so an old answer never lands last.
            "hx-sync": "this:replace",
        }
    )


class ToneCheckForm(forms.Form):
    """A draft to check while it is written: the composer sends its subject and message, a
    reply box its message alone. Kept exactly as typed, so quotes can be found in it."""

    subject = forms.CharField(max_length=MAX_SUBJECT_LENGTH, required=False, strip=False)
    body = forms.CharField(max_length=MAX_BODY_LENGTH, required=False, strip=False)


class FollowUpForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.all(), required=False, empty_label="Start from…"
    )
    subject = forms.CharField(max_length=MAX_SUBJECT_LENGTH)
    body = forms.CharField(
        max_length=MAX_BODY_LENGTH, widget=forms.Textarea(attrs={"rows": 10}), label="Message"
    )
    gap_start = forms.CharField(required=False, widget=forms.HiddenInput)
    gap_end = forms.CharField(required=False, widget=forms.HiddenInput)
    finding = forms.ChoiceField(
        choices=[("", ""), *FindingKind.choices], required=False, widget=forms.HiddenInput
    )
    tone_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        live_tone_check(self.fields["body"], target="tone-live")

    def _moment(self, name: str) -> datetime | None:
        raw = self.cleaned_data.get(name) or ""
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError("That gap is not one the page offered.") from None
        if moment.tzinfo is None or not in_date_window(moment):
            raise forms.ValidationError("That gap is not one the page offered.")
        return moment.astimezone(UTC)

    def clean_gap_start(self) -> datetime | None:
        return self._moment("gap_start")

    def clean_gap_end(self) -> datetime | None:
        return self._moment("gap_end")

    def clean(self):
        data = super().clean()
        if bool(data.get("gap_start")) != bool(data.get("gap_end")):
            raise forms.ValidationError("A gap needs both its start and its end.")
        return data

    def about(self) -> Subject:
        data = self.cleaned_data
        return Subject(
            gap_start=data.get("gap_start"),
            gap_end=data.get("gap_end"),
            finding=data.get("finding") or "",
        )


class ExcuseForm(forms.Form):
    note = forms.CharField(
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why this day is fine as it is"}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Answer in words",
    )


class ThreadReplyForm(forms.Form):
    """A reviewer's reply in a follow-up's conversation, checked for tone as it is typed."""

    body = forms.CharField(
        max_length=MAX_REPLY_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), label="Reply"
    )
    tone_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, follow_up_id: int, **kwargs) -> None:
        # Ids of its own: the page holds the composer and a reply box per open request.
        kwargs.setdefault("auto_id", f"reply-{follow_up_id}-%s")
        super().__init__(*args, **kwargs)
        live_tone_check(self.fields["body"], target=f"tone-live-{follow_up_id}")


def https_by_default(field, **kwargs):
    """Form fields for a model, with web addresses typed without a scheme taken as https."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class NotificationSettingForm(forms.ModelForm):
    class Meta:
        formfield_callback = https_by_default
        model = NotificationSetting
        fields = ["by_email", "chat_kind", "chat_webhook_url", "remind_unlogged"]
        labels = {
            "chat_kind": "Chat messages",
            "chat_webhook_url": "Webhook address",
            "remind_unlogged": "End-of-day reminder",
        }


class PolicyForm(forms.ModelForm):
    class Meta:
        model = ReviewPolicy
        fields = ["gap_threshold_minutes", "realtime_window_minutes", "grace_minutes"]
        labels = {
            "gap_threshold_minutes": "Gap threshold (minutes)",
            "realtime_window_minutes": "Real-time window (minutes)",
            "grace_minutes": "Review grace (minutes)",
        }
