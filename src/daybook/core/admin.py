"""Pieces the apps' admin modules share: who is writing, forms that write through a service,
and history pages that stay a record rather than an undo button."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from simple_history.admin import SimpleHistoryAdmin

NO_MEMBER = "Your login has no member profile, so it cannot write here; ask an administrator."


class ServiceModelForm(forms.ModelForm):
    """An admin form whose object is written by a domain service, while the form validates.

    The admin turns only what goes wrong during validation into messages on the form; once
    the form is valid it saves without asking again. So `clean()` calls the service: a refusal
    becomes an error on the form and, services being atomic, leaves nothing saved; a success
    is the saved object, which `save()` hands back. The admin runs the whole request in one
    transaction, so the object and the admin's change log are kept together or not at all.

    Model validation is the service's job here, so the ModelForm's own pass over the
    instance is skipped. Subclasses implement `write()`; `by` is set per request by the
    ModelAdmin's `get_form()`.
    """

    by: Model | None = None  # the writing member

    def write(self) -> Model:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # Fix the fields first; a half-filled form never reaches the service.
            return cleaned
        if self.by is None:
            self.add_error(None, NO_MEMBER)
            return cleaned
        try:
            self.instance = self.write()
        except ValidationError as refusal:
            self._add_refusal(refusal)
        except PermissionDenied as refusal:
            self.add_error(None, str(refusal) or "You may not make this change.")
        return cleaned

    def _add_refusal(self, refusal: ValidationError) -> None:
        if not hasattr(refusal, "error_dict"):
            self.add_error(None, refusal.messages)
            return
        for field, errors in refusal.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)

    def _post_clean(self) -> None:
        """The service has validated (and saved) the object; nothing is left to check."""

    def save(self, commit: bool = True) -> Model:
        return self.instance

    def save_m2m(self) -> None:
        """The service saved everything already."""


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """History is an audit record: every version can be read, none can be written back.

    A revert would save an old version around the rules the services keep (locks, the
    ticket workflow), so the button is hidden and a posted revert is refused.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Old versions are kept for reading; edit the current one.")
        return super().history_form_view(request, object_id, version_id, extra_context)
