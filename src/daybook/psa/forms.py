from django import forms

from .choices import Kind
from .connectors.base import connector_classes


class ConnectionForm(forms.Form):
    """A connection's settings. Credential fields come from the connector; secret ones are
    write-only: left empty on an edit, the stored value stays."""

    name = forms.CharField(max_length=100)
    base_url = forms.CharField(max_length=300, label="API address")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    push_entries = forms.BooleanField(
        required=False, initial=True, label="Send saved time entries to the PSA"
    )

    def __init__(self, *args, kind: str, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cls = connector_classes()[kind]
        self.kind = kind
        self.fields["base_url"].help_text = cls.base_url_help
        self.credential_names = []
        for spec in cls.credential_fields:
            widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput
            help_text = spec.help_text
            if editing and spec.secret:
                help_text = (help_text + " " if help_text else "") + (
                    "Stored and never shown; leave empty to keep it."
                )
            self.fields[f"cred_{spec.name}"] = forms.CharField(
                label=spec.label,
                required=spec.required and not editing,
                widget=widget,
                help_text=help_text,
                strip=True,
            )
            self.credential_names.append(spec.name)
        if not editing:
            del self.fields["is_active"]
            del self.fields["push_entries"]

    def credentials(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"cred_{name}", "") for name in self.credential_names}


def kind_choices() -> list[tuple[str, str]]:
    installed = connector_classes()
    return [(value, label) for value, label in Kind.choices if value in installed]
