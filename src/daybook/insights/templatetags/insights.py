"""Display filters: a Decimal is rounded here, once, and nowhere before."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.01')):,}"


@register.filter
def hours(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.01'))}"


@register.filter
def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.1'))}%"


@register.filter
def heat(value: Decimal, top: Decimal) -> str:
    """Background opacity (0-0.85) of a heatmap cell relative to the largest cell."""
    if not top or not value:
        return "0"
    return f"{min(Decimal('0.85'), value / top * Decimal('0.85')):.2f}"
