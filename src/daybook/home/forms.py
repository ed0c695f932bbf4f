from django import forms

from .services import MAX_SUMMARY, MAX_TEXT, MAX_TITLE


class ProcessForm(forms.Form):
    """A new version of the written process. The service checks it; the form only carries it."""

    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"maxlength": MAX_TITLE}))
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "maxlength": MAX_TEXT}),
        help_text="Plain text. Leave a blank line between paragraphs, start a line with “- ” for "
        "a list item and with “# ” for a heading.",
    )
    summary = forms.CharField(
        label="What changed",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": MAX_SUMMARY}),
        help_text="A line for the members who read it again, e.g. “Notes: say what is next”.",
    )
    based_on = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(
        min_value=1, error_messages={"required": "Say which version you read."}
    )
