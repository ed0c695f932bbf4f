"""Forms for the ticket pages. The queue's filters are the API's TicketFilterSet."""

from django import forms

from .choices import TicketStatus


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)


class AgreementChoiceForm(forms.Form):
    """Which agreement a ticket's time goes to; empty means none. Checked by the service."""

    agreement = forms.IntegerField(required=False, min_value=1)
    work_type = forms.IntegerField(required=False, min_value=1)
