"""Forms for the ticket pages. The queue's filters are the API's TicketFilterSet."""

from django import forms
from django.db.models import Q

from daybook.clients.models import Agreement, Company, Contact
from daybook.core.widgets import LongSelect
from daybook.people.assignable import members_assignable
from daybook.people.models import Member

from .choices import Priority, TicketStatus
from .models import Board, Ticket
from .services import AUTO, MAX_FLAG_REASON, MAX_NOTE_LENGTH


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)


class AgreementChoiceForm(forms.Form):
    """Which agreement a ticket's time goes to; empty means none. Checked by the service."""

    agreement = forms.IntegerField(required=False, min_value=1)
    work_type = forms.IntegerField(required=False, min_value=1)


class AgreementFlagForm(forms.Form):
    """A member's word to dispatch that the ticket's agreement looks off."""

    reason = forms.CharField(
        max_length=MAX_FLAG_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What looks off about the agreement?",
        error_messages={
            "required": "Say in a few words what looks off, e.g. which agreement it should be.",
            "max_length": f"Keep it to {MAX_FLAG_REASON} characters or fewer.",
        },
    )


# --- dispatch: a ticket's details, its assignee and its notes --------------------------------

AUTO_CHOICE = "auto"
NO_AGREEMENT = "none"
ASSIGNEE_INVALID = "Choose someone from the list: the members who work here now."


def _given_id(form: forms.Form, name: str) -> int | None:
    """The id the form holds for `name`: as sent, else its initial value; None if it is not
    a plain number."""
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if raw is None:
        raw = form.initial.get(name)
    raw = str(getattr(raw, "pk", raw) or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None


class TicketForm(forms.Form):
    """A ticket's details for the dispatch pages. The contacts and agreements offered are the
    chosen company's; ticket_create and ticket_update check the same again for every door."""

    company = forms.ModelChoiceField(
        queryset=Company.objects.filter(is_active=True),
        widget=LongSelect(label="name"),
        error_messages={
            "required": "Choose the client this ticket is for.",
            "invalid_choice": "Choose one of the active clients in the list.",
        },
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        empty_label="No one in particular",
        error_messages={"invalid_choice": "Choose one of this client's contacts, or no one."},
    )
    summary = forms.CharField(
        max_length=Ticket._meta.get_field("summary").max_length,
        error_messages={
            "required": "Give the ticket a summary: one line that says what needs doing.",
            "max_length": "Keep the summary to %(limit_value)d characters; put the rest in the "
            "description.",
        },
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    priority = forms.TypedChoiceField(
        choices=Priority.choices,
        coerce=int,
        initial=Priority.MEDIUM,
        error_messages={"invalid_choice": "Choose one of the priorities in the list."},
    )
    board = forms.ModelChoiceField(
        queryset=Board.objects.all(),
        error_messages={
            "required": "Choose the board (queue) the ticket goes on.",
            "invalid_choice": "Choose one of the boards in the list.",
        },
    )
    agreement = forms.ChoiceField(
        required=False,
        initial=AUTO_CHOICE,
        error_messages={
            "invalid_choice": "Choose one of this client's agreements, automatic, or none."
        },
    )

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if ticket is not None:
            # A ticket keeps its company even if the client was made inactive since.
            self.fields["company"].queryset = Company.objects.filter(
                Q(is_active=True) | Q(pk=ticket.company_id)
            )
        company_id = _given_id(self, "company")
        self.fields["contact"].queryset = Contact.objects.filter(company_id=company_id)
        agreements = Agreement.objects.filter(company_id=company_id).order_by("-start_date")
        self.agreements = {str(a.pk): a for a in agreements}
        self.fields["agreement"].choices = [
            (AUTO_CHOICE, "Pick by itself (the client's one agreement that fits)"),
            (NO_AGREEMENT, "No agreement"),
            *(
                (
                    pk,
                    f"{a.name} ({a.get_type_display()}, "
                    + (
                        f"{a.start_date:%d %b %Y} to {a.end_date:%d %b %Y})"
                        if a.end_date
                        else f"from {a.start_date:%d %b %Y})"
                    ),
                )
                for pk, a in self.agreements.items()
            ),
        ]

    def chosen_company(self) -> Company | None:
        """The company picked so far (for the form's htmx refresh), if it is one offered."""
        company_id = _given_id(self, "company")
        return self.fields["company"].queryset.filter(pk=company_id).first()

    def chosen_board(self) -> Board | None:
        board_id = _given_id(self, "board")
        if board_id is None:
            return self.ticket.board if self.ticket is not None else None
        return Board.objects.filter(pk=board_id).first()

    def chosen_agreement(self):
        """AUTO, None or the agreement picked so far; what is not offered counts as AUTO."""
        value = self.data.get(self.add_prefix("agreement")) if self.is_bound else None
        if value is None:
            value = self.initial.get("agreement", AUTO_CHOICE)
        value = str(value)
        if value == NO_AGREEMENT:
            return None
        return self.agreements.get(value, AUTO)

    def clean_agreement(self):
        value = self.cleaned_data.get("agreement") or AUTO_CHOICE
        if value == AUTO_CHOICE:
            return AUTO
        if value == NO_AGREEMENT:
            return None
        return self.agreements[value]

    def changes(self) -> dict:
        """What the service is given: on edit, only the fields that changed."""
        data = dict(self.cleaned_data)
        if self.ticket is None:
            return data
        names = set(self.changed_data)
        if data.get("agreement") is not AUTO and data.get("agreement") == self.ticket.agreement:
            names.discard("agreement")
        return {name: data[name] for name in names if name in data}


class TicketCreateForm(TicketForm):
    """A new ticket may go straight to someone."""

    assignee = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label="Nobody yet (leave it in the queue)",
        label="Assign to",
        widget=LongSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_choices()
        self.fields["assignee"].error_messages["invalid_choice"] = ASSIGNEE_INVALID


def assignable_choices(current: Member | None = None):
    """The member picker's options: who may be given work now (people/assignable.py), by
    name; the current assignee stays listed so the picker shows who has it."""
    members = members_assignable()
    if current is not None:
        members = Member.objects.filter(Q(pk__in=members.values("pk")) | Q(pk=current.pk))
    return members.select_related("user", "team").order_by(
        "user__first_name", "user__last_name", "user__username"
    )


class AssignForm(forms.Form):
    """The member picker on the ticket page; empty sends the ticket back to the queue."""

    assignee = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label="Nobody (back to the queue)",
        label="Assign to",
        widget=LongSelect,
    )

    def __init__(self, *args, current: Member | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_choices(current)
        self.fields["assignee"].error_messages["invalid_choice"] = ASSIGNEE_INVALID


class NoteForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_NOTE_LENGTH,
        label="Note",
        error_messages={
            "required": "Write the note first; an empty note says nothing.",
            "max_length": f"Keep a note to {MAX_NOTE_LENGTH:,} characters; split a longer one.",
        },
    )
    client_visible = forms.BooleanField(
        required=False, label="The client may read this note (otherwise it is for the team)"
    )
