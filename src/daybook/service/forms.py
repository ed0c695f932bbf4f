"""Forms for the ticket pages. The queue's filters are the API's TicketFilterSet."""

from django import forms

from .choices import TicketStatus
from .services import MAX_FLAG_REASON


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
