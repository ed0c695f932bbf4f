"""Forms of the import and export page."""

from django import forms

from daybook.core.time import validate_date_window

from .files.exports import FORMATS, PURPOSES
from .files.kinds import KINDS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(slug, kind.label[:1].upper() + kind.label[1:]) for slug, kind in KINDS.items()],
        label="What the file holds",
    )
    file = forms.FileField(label="CSV or Excel (.xlsx) file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 50 MB; split it, or import it with the daybook "
                "import command."
            )
        return upload


class ExportForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        validators=[validate_date_window],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label="To",
        required=False,
        validators=[validate_date_window],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    purpose = forms.ChoiceField(
        label="For",
        choices=[
            (
                p,
                {
                    "full": "Everything (importable)",
                    "payroll": "Payroll",
                    "accounting": "Accounting",
                }[p],
            )
            for p in PURPOSES
        ],
        initial="full",
    )
    format = forms.ChoiceField(
        choices=[(f, f.upper()) for f in FORMATS], initial="csv", label="Format"
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day is before the first.")
        return data
