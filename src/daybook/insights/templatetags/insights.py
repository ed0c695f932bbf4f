"""Display filters: a Decimal is rounded here, once, and nowhere before."""

from decimal import Decimal

from django import template

from daybook.core import formatting

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


HEAT_LEVELS = 5


@register.filter
def heat_level(value: Decimal, top: Decimal) -> int:
    """A heatmap cell's shade, 0 (nothing) to HEAT_LEVELS (the largest cell): a class
    ``heat-N`` whose colours the stylesheet sets for light and dark mode alike."""
    if not top or not value:
        return 0
    return max(1, min(HEAT_LEVELS, round(value / top * HEAT_LEVELS)))


@register.inclusion_tag("insights/_stat.html")
def stat(label: str, value: str, note: str = "") -> dict:
    """One summary card: a key figure above a report's detail."""
    return {"label": label, "value": value, "note": note}


@register.filter
def minutes_text(value: Decimal | int | None) -> str:
    """Minutes as a length of time: 1369.84 → "22 h 50 min". None reads as a dash."""
    if value is None:
        return "—"
    return formatting.duration_text(float(value))


@register.filter
def people_text(value: Decimal | None) -> str:
    """A head count worked out from hours, to one decimal: 2.46 → "2.5 people"."""
    if value is None:
        return "—"
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return f"{rounded} {'person' if rounded == 1 else 'people'}"
