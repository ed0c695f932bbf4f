"""Pieces every app's API shares: one permission rule per action, the requesting member,
service errors turned into API answers, and serializers that save through full_clean."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from daybook.core.filters import MALFORMED_TIME, NAIVE_TIME
from daybook.core.members import request_member

NO_MEMBER = (
    "Your login has no member profile, so it cannot write anything through the API. "
    "Ask an administrator to create a member for it."
)


class ActionPermissions(BasePermission):
    """Each viewset names, per action, the permissions a user needs for it.

    An action the viewset does not list is refused, so a new endpoint cannot go live without a
    rule. OPTIONS needs what listing needs. Scoping (whose rows a user sees) is the queryset's
    job; this only decides whether the door opens at all.
    """

    message = "You do not have permission to do this."

    def has_permission(self, request: Request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        action = getattr(view, "action", None)
        if action is None:
            # A method the view does not offer: let the view answer 405.
            return True
        rules: dict[str, Iterable[str]] = getattr(view, "permissions_by_action", {})
        if action == "metadata":
            action = "list" if "list" in rules else "retrieve"
        if action not in rules:
            self.message = "This action has no permission rule, so it is refused."
            return False
        missing = [perm for perm in rules[action] if not request.user.has_perm(perm)]
        if missing:
            self.message = f"Your role does not allow this; it needs {', '.join(missing)}."
        return not missing


class MemberRequiredForWrites(BasePermission):
    """Every write is recorded as some member's doing; a login without one may only read."""

    message = NO_MEMBER

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return request_member(request) is not None


def require_member(request: Request) -> models.Model:
    member = request_member(request)
    if member is None:
        raise exceptions.PermissionDenied(NO_MEMBER)
    return member


def drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """Same field keys the service used; Django's __all__ becomes DRF's non_field_errors."""
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return exceptions.ValidationError(detail)


class ServiceErrorsMixin:
    """Refusals from services become API answers: ValidationError -> 400 by field,
    PermissionDenied -> 403 with the service's own message."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = drf_validation_error(exc)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class DaybookViewSetMixin(ServiceErrorsMixin):
    """Base for every Daybook viewset: explicit per-action permissions, a member for writes."""

    permission_classes = [ActionPermissions, MemberRequiredForWrites]
    permissions_by_action: dict[str, list[str]] = {}

    @property
    def member(self):
        return require_member(self.request)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object given by its id, with messages that name what was looked for."""

    def __init__(self, *, label_text: str | None = None, **kwargs):
        self.label_text = label_text
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        # Inside a list field (many=True) the child is bound without a name of its own.
        name = field_name or getattr(parent, "field_name", "") or "object"
        what = self.label_text or name.replace("_", " ")
        self.error_messages = {
            **self.error_messages,
            "does_not_exist": f"There is no {what} with id {{pk_value}}.",
            "incorrect_type": f"Give the {what} as its numeric id.",
        }


class TextField(serializers.CharField):
    """Free text, kept exactly as written (no trimming)."""

    default_error_messages = {"invalid": "Give this as text, not a number, list or object."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a zone or offset. A time without one is refused rather than guessed."""

    default_error_messages = {
        "invalid": MALFORMED_TIME,
        "naive": NAIVE_TIME,
        "date": "Give a date and a time, not only a date.",
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class CleanModelSerializer(serializers.ModelSerializer):
    """Saves through Model.full_clean, so the model's validators and constraints decide.

    For setup records (companies, agreements, projects...) that have no rules beyond what the
    model already states. Many-to-many values are set after the row is saved.
    """

    def _split_m2m(self, validated_data: dict) -> dict:
        model = self.Meta.model
        m2m_names = {f.name for f in model._meta.many_to_many}
        names = [name for name in validated_data if name in m2m_names]
        return {name: validated_data.pop(name) for name in names}

    @transaction.atomic
    def create(self, validated_data):
        m2m = self._split_m2m(validated_data)
        instance = self.Meta.model(**validated_data)
        return self._clean_and_save(instance, m2m)

    @transaction.atomic
    def update(self, instance, validated_data):
        m2m = self._split_m2m(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._clean_and_save(instance, m2m)

    def _clean_and_save(self, instance: models.Model, m2m: dict) -> models.Model:
        instance.full_clean()
        instance.save()
        for name, values in m2m.items():
            getattr(instance, name).set(values)
        return instance


def model_permissions(app_label: str, model_name: str) -> dict[str, list[str]]:
    """The usual rule for setup records: view to read, add to create, change to update."""
    view = [f"{app_label}.view_{model_name}"]
    change = [f"{app_label}.change_{model_name}"]
    return {
        "list": view,
        "retrieve": view,
        "create": [f"{app_label}.add_{model_name}"],
        "update": change,
        "partial_update": change,
    }


class SetupViewSet(
    DaybookViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change. Setup records are not deleted through the API: entries
    and tickets point at them (retire them with is_active where the model has it)."""
