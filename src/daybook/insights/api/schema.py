"""The report forms described for the OpenAPI schema. The forms in forms.py stay the one place
a report's parameters are defined and checked; this only reads their fields."""

from django import forms
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# First match wins: DecimalField is a subclass of IntegerField, ModelChoiceField of
# ChoiceField.
FIELD_TYPES: tuple[tuple[type[forms.Field], OpenApiTypes], ...] = (
    (forms.ModelChoiceField, OpenApiTypes.INT),
    (forms.DecimalField, OpenApiTypes.NUMBER),
    (forms.IntegerField, OpenApiTypes.INT),
    (forms.DateField, OpenApiTypes.DATE),
    (forms.BooleanField, OpenApiTypes.BOOL),
)
# Body types for which a form posts.
MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def _type(field: forms.Field) -> OpenApiTypes:
    return next((kind for cls, kind in FIELD_TYPES if isinstance(field, cls)), OpenApiTypes.STR)


def _enum(field: forms.Field) -> list[str] | None:
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return [str(value) for value, _ in field.choices if value != ""]
    return None


def _description(name: str, field: forms.Field) -> str:
    if isinstance(field, forms.ModelChoiceField):
        return f"The {name}'s id."
    return str(field.help_text or field.label or "")


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """A filter form's fields as query parameters."""
    return [
        OpenApiParameter(
            name,
            _type(field),
            OpenApiParameter.QUERY,
            required=field.required,
            description=_description(name, field),
            enum=_enum(field),
        )
        for name, field in form_class.base_fields.items()
    ]


def form_body(form_class: type[forms.Form]) -> dict[str, dict]:
    """A form's fields as a request body, for each media type a form may be posted as."""
    properties = {}
    for name, field in form_class.base_fields.items():
        schema = {**build_basic_type(_type(field)), "description": _description(name, field)}
        if (enum := _enum(field)) is not None:
            schema["enum"] = enum
        properties[name] = schema
    required = [name for name, field in form_class.base_fields.items() if field.required]
    body = {"type": "object", "properties": properties, "required": required}
    return dict.fromkeys(MEDIA_TYPES, body)
