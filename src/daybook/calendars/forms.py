"""The form to connect a calendar. Shape only: calendars/services.py checks the address."""

from django import forms

from .models import CalendarSubscription

URL_HELP = (
    "Outlook: Settings → Calendar → Shared calendars → Publish a calendar; pick your calendar "
    "and “Can view all details”, publish, and copy the ICS link. Google: Settings → your "
    "calendar → Integrate calendar; copy the “Secret address in iCal format”. Treat it like "
    "a password: anyone with it can read your calendar."
)


class SubscriptionForm(forms.Form):
    label = forms.CharField(
        label="Name",
        required=False,
        max_length=CalendarSubscription._meta.get_field("label").max_length,
        help_text="How this page names it; left empty, it is named for its service.",
        widget=forms.TextInput(attrs={"placeholder": "Work calendar"}),
    )
    # A CharField, not a URLField: Outlook hands out webcal:// addresses, which the service
    # reads as https.
    url = forms.CharField(
        label="Private calendar address (ICS)",
        max_length=CalendarSubscription._meta.get_field("url").max_length,
        help_text=URL_HELP,
        error_messages={
            "required": "Paste your calendar's private ICS address.",
            "max_length": "That address is longer than any calendar address we know "
            "(at most %(limit_value)d characters).",
        },
        widget=forms.TextInput(
            attrs={
                "placeholder": "https://outlook.office365.com/owa/calendar/…/calendar.ics",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
