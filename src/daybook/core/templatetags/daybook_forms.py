"""Form fields drawn with the design system's classes, without touching the forms themselves.

{% load daybook_forms %}
  {{ field|control }}   the field's widget with the Bootstrap class its kind needs
                        (form-select-sm, form-check-input, form-control-sm), plus
                        is-invalid when the field has errors
"""

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


def control_class(widget: forms.Widget) -> str:
    """The Bootstrap class for one widget: a check box, a select or a text-like control."""
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select form-select-sm"
    return "form-control form-control-sm"


@register.filter
def control(field: BoundField) -> str:
    """Render `field`'s widget with its class added to any class the form already gave it."""
    if not isinstance(field, BoundField) or field.is_hidden:
        return field
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), control_class(widget)]
    if field.errors:
        classes.append("is-invalid")
    return field.as_widget(attrs={"class": " ".join(c for c in classes if c)})
