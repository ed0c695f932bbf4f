"""Shared page parts: numbers with their units, sortable column headers and paging.

{% load daybook_ui %}
  {{ value|hours_text }}   decimal hours → "7 h 25 min"
  {{ value|money_text }}   amount → "$ 1,250.00" (DAYBOOK_CURRENCY_SYMBOL)
  {{ value|percent_text }} → "79.3 %"
  {% sort_header "name" "Company" %}   a <th> whose link sorts by ?sort=name / ?sort=-name
  {% pager page_obj %}                 Bootstrap paging links that keep the other query values
"""

from django import template
from django.conf import settings
from django.core.paginator import Page
from django.http import QueryDict

from daybook.core import formatting

register = template.Library()


@register.filter
def hours_text(value) -> str:
    return formatting.hours_text(value)


@register.filter
def money_text(value) -> str:
    return formatting.money_text(value, settings.DAYBOOK_CURRENCY_SYMBOL)


@register.filter
def percent_text(value) -> str:
    return formatting.percent_text(value)


def _query_with(query: QueryDict, **values) -> str:
    changed = query.copy()
    for key, value in values.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return changed.urlencode()


@register.inclusion_tag("core/ui/_sort_header.html", takes_context=True)
def sort_header(context, field: str, label: str, numeric: bool = False) -> dict:
    """The page reads ?sort= itself (a field name, "-" in front for descending) and must
    accept only the fields it offers; this tag only draws the header and its link."""
    query = context["request"].GET
    current = query.get("sort", "")
    ascending = current == field
    descending = current == f"-{field}"
    next_sort = f"-{field}" if ascending else field
    return {
        "label": label,
        "numeric": numeric,
        "href": "?" + _query_with(query, sort=next_sort, page=None),
        "aria_sort": "ascending" if ascending else "descending" if descending else "none",
    }


@register.inclusion_tag("core/ui/_pager.html", takes_context=True)
def pager(context, page: Page) -> dict:
    query = context["request"].GET

    def link(number: int) -> str:
        return "?" + _query_with(query, page=str(number))

    return {
        "page": page,
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
        "first": link(1),
        "last": link(page.paginator.num_pages),
    }
