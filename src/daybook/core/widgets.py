"""Form widgets of our own."""

from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A select for lists that grow with the MSP (its clients, its people): the same HTML as
    Django's, but the options written here in one pass instead of a template include each,
    which took about 55 ms for a thousand companies.

    `label`: for a model choice field, the column that names an object as its str() does.
    The options then come from (id, label) rows instead of a model object and an option
    dictionary each, which for a thousand companies cost another 30-40 ms a page.

    `group`: with `label`, a column to gather the options under, one optgroup for each run of
    rows with the same value (the queryset orders them)."""

    template_name = "core/widgets/long_select.html"

    def __init__(
        self, attrs=None, choices=(), *, label: str | None = None, group: str | None = None
    ):
        super().__init__(attrs, choices)
        self.label = label
        self.group = group

    def _rows(self) -> ModelChoiceIterator | None:
        if self.label is not None and isinstance(self.choices, ModelChoiceIterator):
            return self.choices
        return None

    def optgroups(self, name, value, attrs=None):
        if self._rows() is not None:
            return []  # written from rows in get_context
        return super().optgroups(name, value, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if (choices := self._rows()) is not None:
            field = choices.field
            options = [("", field.empty_label)] if field.empty_label is not None else []
            # django-filter's fields offer "none" next, as their own iterator does.
            if getattr(field, "null_label", None) is not None:
                options.append((field.null_value, field.null_label))
            chosen = set(context["widget"]["value"])

            def options_html(rows):
                return format_html_join(
                    "",
                    '<option value="{}"{}>{}</option>',
                    (
                        (str(key), " selected" if str(key) in chosen else "", label)
                        for key, label, *_ in rows
                    ),
                )

            columns = [field.to_field_name or "pk", self.label]
            rows = choices.queryset.values_list(*columns, *[self.group] if self.group else [])
            html = [options_html(options)]
            if self.group is None:
                html.append(options_html(rows))
            else:
                html += [
                    format_html('<optgroup label="{}">{}</optgroup>', name, options_html(run))
                    for name, run in groupby(rows, key=lambda row: row[2])
                ]
            context["widget"]["options_html"] = format_html_join("", "{}", ((h,) for h in html))
            return context
        groups = []
        for group_name, options, _ in context["widget"]["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, html)
                if group_name
                else html
            )
        context["widget"]["options_html"] = format_html_join("", "{}", ((g,) for g in groups))
        return context
