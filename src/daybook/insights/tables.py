"""Sorting and paging of a report's detail tables.

Lists straight from a query (the SLA breaches) are sorted by the database through their
report's form and selector. Report rows that are themselves sums (one per agreement, project
or member) are sorted here, over those grouped rows, by a whitelist of columns: ?sort= names
one ("-" in front for descending); anything else keeps the report's own order.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def sort_param(request: HttpRequest, columns: dict[str, Callable[[Any], Any]]) -> str:
    """?sort= when it names one of ``columns``, else ""."""
    value = request.GET.get("sort", "").strip()
    return value if value.lstrip("-") in columns else ""


def sorted_rows(rows: Sequence, sort: str, columns: dict[str, Callable[[Any], Any]]) -> list:
    """Rows in the order ``sort`` asks for (empty: as given). Empty values (None) go last
    either way, so a column of dashes never hides the figures."""
    if not sort:
        return list(rows)
    key = columns[sort.lstrip("-")]
    descending = sort.startswith("-")
    filled = [r for r in rows if key(r) is not None]
    empty = [r for r in rows if key(r) is None]
    return sorted(filled, key=key, reverse=descending) + empty


def page_of(request: HttpRequest, items: Sequence, per_page: int | None = None) -> Page:
    """The page ?page= asks for (PAGE_SIZE rows unless told); a number out of range or not a
    number gives the nearest page rather than an error."""
    return Paginator(items, per_page or PAGE_SIZE).get_page(request.GET.get("page"))
