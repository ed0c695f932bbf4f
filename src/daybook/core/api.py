"""Pieces every app's API shares: one permission rule per action, the requesting member,
service errors turned into API answers, serializers that save through full_clean, money shown
only to those who may see it, dates kept to one window, and the schema's description of every
answer an operation can give. (Paging is in core/pagination.py.)"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from daybook.core.filters import MALFORMED_TIME, NAIVE_TIME
from daybook.core.members import request_member
from daybook.core.money import may_see_money
from daybook.core.time import DATE_WINDOW_MESSAGE, in_date_window

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


def object_body(request: Request) -> Mapping:
    """The request's body as a mapping of names to values. A JSON list, string or number is
    refused with a 400 that says what to send, instead of reaching code that expects names."""
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: ["Send the fields as one JSON object."]}
        )
    return request.data


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
    """ISO 8601 with a zone or offset, on a date inside the window of core/time.py. A time
    without a zone is refused rather than guessed."""

    default_error_messages = {
        "invalid": MALFORMED_TIME,
        "naive": NAIVE_TIME,
        "date": "Give a date and a time, not only a date.",
        "date_window": DATE_WINDOW_MESSAGE,
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        # Checked before any zone conversion, which is what overflows at the calendar's ends.
        if not in_date_window(value):
            self.fail("date_window")
        return super().enforce_timezone(value)


class WindowDateField(serializers.DateField):
    """A date written 2025-03-14, inside the window of core/time.py."""

    default_error_messages = {"date_window": DATE_WINDOW_MESSAGE}

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        if not in_date_window(day):
            self.fail("date_window")
        return day


class MoneyFieldsMixin:
    """Leaves the fields named in `money_fields` out of what this serializer shows, unless the
    requesting user may see money (core/money.py). Nested serializers and lists ask once per
    answer. Without a request in the context nobody is known, so nothing of money shows.

    The schema (DaybookAutoSchema) marks these fields optional in answers and says who sees
    them."""

    money_fields: tuple[str, ...] = ()

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        if self.money_fields and not self.shows_money():
            for name in self.money_fields:
                data.pop(name, None)
        return data

    def shows_money(self) -> bool:
        root = self.root
        if not hasattr(root, "_daybook_shows_money"):
            request = self.context.get("request")
            root._daybook_shows_money = may_see_money(getattr(request, "user", None))
        return root._daybook_shows_money


class WindowModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose model dates are read with WindowDateField."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: WindowDateField,
    }


class CleanModelSerializer(WindowModelSerializer):
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


# --- the schema ------------------------------------------------------------------------------

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in words."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by field name (non_field_errors for the request as a whole); "
    "fields of nested objects and lists carry their own messages the same way. A body that "
    'could not be read at all gets {"detail": ...} instead.',
    "additionalProperties": {},
}
# status: (description, schema, the schema's component name)
ERROR_RESPONSES: dict[str, tuple[str, dict, str]] = {
    "400": (
        "The request was not understood or not valid; nothing was changed.",
        FIELD_ERRORS,
        "ValidationErrors",
    ),
    "401": ("Not signed in, or the API token is not valid.", ERROR, "Error"),
    "403": ("Signed in, but this role or this login may not do this.", ERROR, "Error"),
    "404": (
        "There is no such object, or it is not yours to see; or no such page.",
        ERROR,
        "Error",
    ),
    "415": (
        "The body came in a media type the API does not read, or not in the one it names; "
        "send JSON.",
        ERROR,
        "Error",
    ),
}
MONEY_NOTE = "Only shown to users who may see money (Finance and Admin)."


def error_response(code: str) -> OpenApiResponse:
    """A documented error answer, for an operation that gives one the usual rules below do
    not foresee (a 404 from an operation that names no object, say)."""
    description, schema, _name = ERROR_RESPONSES[code]
    return OpenApiResponse(response=schema, description=description)


class DaybookAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus what every Daybook operation shares:

    - the error answers an operation can give (400 where it takes input, 401 and 403 unless
      anyone may call it, 404 where it names an object or pages a list, 415 where it reads a
      body), each documented unless the operation documents that status itself;
    - money fields (MoneyFieldsMixin) are optional in answers and say who sees them."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                description, schema, name = ERROR_RESPONSES[code]
                component = ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
                )
                self.registry.register_on_missing(component)
                responses[code] = {
                    "content": {"application/json": {"schema": component.ref}},
                    "description": description,
                }
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        parameters = self._get_parameters()
        takes_input = bool(parameters) or self.method in ("POST", "PUT", "PATCH")
        if takes_input:
            codes.append("400")
        if not all(issubclass(p, AllowAny) for p in self.view.permission_classes):
            codes += ["401", "403"]
        names_object = any(p["in"] == "path" for p in parameters)
        if names_object or any(p["name"] == "page" for p in parameters):
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        return codes

    def _map_basic_serializer(self, serializer, direction: str) -> dict[str, Any]:
        result = super()._map_basic_serializer(serializer, direction)
        money = getattr(serializer, "money_fields", ())
        if money and direction == "response":
            result["required"] = [n for n in result.get("required", []) if n not in money]
            if not result["required"]:
                del result["required"]
            for name in money:
                field = result["properties"].get(name)
                if field is not None and "$ref" not in field:
                    note = field.get("description", "")
                    field["description"] = f"{note} {MONEY_NOTE}".strip()
        return result
