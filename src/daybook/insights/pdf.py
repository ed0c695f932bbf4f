"""A client statement laid out as a PDF (A4 landscape): heading, entries, totals per agreement,
and the fingerprint with what changed since the statement was issued.

exports.statement_pdf imports this module only when a PDF is asked for: reportlab is slow to
load, and no other page needs it.
"""

import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from django.utils.html import escape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .exports import fmt
from .models import IssuedStatement
from .selectors import Statement, StatementCheck

ENTRY_HEADER = ["Date", "Member", "Hours", "Work type", "Reference", "Charge", "Amount", "Notes"]
ENTRY_WIDTHS_MM = [24, 32, 14, 30, 45, 22, 20, 86]
TOTALS_HEADER = ["Agreement", "Hours", "Amount", "Block hours drawn", "Block hours remaining"]
TOTALS_WIDTHS_MM = [70, 25, 30, 40, 45]
CHANGED_MARK = " *"

log = logging.getLogger(__name__)

# Names, notes and company names come in every script members and clients write. ReportLab
# draws each character with one font and never falls back on its own, so each piece of text
# is split into runs, each in the first of these fonts that has all of the run's characters.
# They are Debian's packages (scripts/ensure-fonts installs them): fonts-noto-core for Latin,
# Greek, Cyrillic, Arabic, Hebrew and symbols such as ☕; fonts-droid-fallback for Chinese,
# Japanese and Korean, because Noto's CJK fonts have PostScript outlines, which ReportLab
# cannot embed; DejaVu Sans (fonts-dejavu-core) last, for the emoji faces it draws in outline.
# Colour-only emoji have no outline font here and still come out as boxes.
FONT_DIRS = [Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype")]
TEXT_FONT = ("NotoSans", "noto/NotoSans-Regular.ttf")
BOLD_FONT = ("NotoSans-Bold", "noto/NotoSans-Bold.ttf")
FALLBACK_FONTS = [
    ("NotoSansArabic", "noto/NotoSansArabic-Regular.ttf"),
    ("NotoSansHebrew", "noto/NotoSansHebrew-Regular.ttf"),
    ("NotoSansSymbols2", "noto/NotoSansSymbols2-Regular.ttf"),
    ("NotoSansSymbols", "noto/NotoSansSymbols-Regular.ttf"),
    ("DroidSansFallback", "droid/DroidSansFallbackFull.ttf"),
    ("DejaVuSans", "dejavu/DejaVuSans.ttf"),
]
RTL_CLASSES = frozenset({"R", "AL"})


@dataclass(frozen=True)
class Fonts:
    """The fonts found on this machine: one for text, one for headings, and the fallbacks,
    each with the characters it can draw."""

    text: str
    bold: str
    chain: tuple[tuple[str, frozenset[int]], ...]  # (font name, code points), text font first

    def font_for(self, char: str) -> str:
        code = ord(char)
        for name, covered in self.chain:
            if code in covered:
                return name
        return self.text  # a box, but in the text's font


def _register(name: str, relative: str) -> frozenset[int] | None:
    for folder in FONT_DIRS:
        path = folder / relative
        if path.exists():
            try:
                font = TTFont(name, str(path))
            except TTFError as error:
                log.warning("Can't use %s for statement PDFs: %s", path, error)
                return None
            pdfmetrics.registerFont(font)
            return frozenset(font.face.charToGlyph)
    return None


@cache
def statement_fonts() -> Fonts:
    """Register the fonts once per process. Without Noto Sans, statements fall back to
    ReportLab's built-in Helvetica, which draws Western European text only; that is logged
    (scripts/ensure-fonts installs the fonts, and fails under CI when it can't)."""
    text = _register(*TEXT_FONT)
    if text is None:
        log.warning(
            "Noto Sans is not installed (run scripts/ensure-fonts), so statement PDFs use "
            "Helvetica, which can't draw Arabic, Hebrew, Chinese, Japanese, Korean or symbols."
        )
        return Fonts(text="Helvetica", bold="Helvetica-Bold", chain=())
    bold = BOLD_FONT[0] if _register(*BOLD_FONT) is not None else TEXT_FONT[0]
    chain = [(TEXT_FONT[0], text)]
    missing = []
    for name, relative in FALLBACK_FONTS:
        covered = _register(name, relative)
        if covered is None:
            missing.append(relative)
        else:
            chain.append((name, covered))
    if missing:
        log.warning("Statement PDFs miss these fonts (scripts/ensure-fonts): %s", missing)
    return Fonts(text=TEXT_FONT[0], bold=bold, chain=tuple(chain))


def _visual(text: str) -> str:
    """Arabic and Hebrew laid out for drawing: ReportLab writes characters left to right as
    given and does not join Arabic letters, so the letters are joined (presentation forms)
    and right-to-left runs reversed here. Text without them is left exactly as it is."""
    if not any(unicodedata.bidirectional(char) in RTL_CLASSES for char in text):
        return text
    return get_display(arabic_reshaper.reshape(text))


def markup(text: str, fonts: Fonts) -> str:
    """Paragraph markup for free text: laid out, escaped, and each run in a font that has
    its characters."""
    text = _visual(text)
    if not fonts.chain:
        return escape(text)
    runs: list[tuple[str, list[str]]] = []
    for char in text:
        # A space stays in the run it is in; it needs no font of its own.
        name = runs[-1][0] if char.isspace() and runs else fonts.font_for(char)
        if runs and runs[-1][0] == name:
            runs[-1][1].append(char)
        else:
            runs.append((name, [char]))
    return "".join(
        escape("".join(chars))
        if name == fonts.text
        else f'<font face="{name}">{escape("".join(chars))}</font>'
        for name, chars in runs
    )


def statement_document(
    statement: Statement,
    check: StatementCheck | None = None,
    *,
    issued: IssuedStatement | None = None,
) -> bytes:
    fonts = statement_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        bold = getattr(style, "fontName", "").endswith("Bold")
        style.fontName = fonts.bold if bold else fonts.text
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    margin = 12 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"Statement {statement.company} {statement.period}",
    )
    story = [
        *_heading(statement, issued, styles, fonts),
        Spacer(1, 4 * mm),
        _entries_table(statement, check, small, fonts),
        Spacer(1, 5 * mm),
        _totals_table(statement, small, fonts),
        Spacer(1, 5 * mm),
        *_fingerprint(statement, check, small, fonts),
    ]
    doc.build(story)
    return buffer.getvalue()


def _text(text: str, style: ParagraphStyle, fonts: Fonts) -> Paragraph:
    """Free text (names, notes) in a cell: in fonts that draw it, and wrapped to the column."""
    return Paragraph(markup(text, fonts), style)


def _heading(
    statement: Statement, issued: IssuedStatement | None, styles: StyleSheet1, fonts: Fonts
) -> list[Flowable]:
    if issued is not None:
        by = markup(issued.issued_by.name, fonts)
        state = f"Issued {issued.issued_at:%Y-%m-%d %H:%M} UTC by {by}"
    else:
        state = "Draft: not issued yet"
    return [
        Paragraph(f"Statement for {markup(statement.company, fonts)}", styles["Title"]),
        Paragraph(
            f"Period {statement.period.start:%Y-%m-%d} to {statement.period.end:%Y-%m-%d} "
            f"(days in {statement.time_zone})",
            styles["Normal"],
        ),
        Paragraph(state, styles["Normal"]),
    ]


def _entries_table(
    statement: Statement, check: StatementCheck | None, style: ParagraphStyle, fonts: Fonts
) -> Table:
    """One line per entry; an entry changed since the statement was issued is marked *."""
    changed = {c.entry_id for c in check.changes} if check else set()
    rows: list[list] = [ENTRY_HEADER]
    for row in statement.rows:
        rows.append(
            [
                row.day.isoformat() + (CHANGED_MARK if row.entry_id in changed else ""),
                _text(row.member, style, fonts),
                fmt(row.hours),
                _text(row.work_type, style, fonts),
                _text(row.reference, style, fonts),
                row.charge,
                fmt(row.amount),
                _text(row.notes, style, fonts),
            ]
        )
    table = Table(rows, colWidths=[w * mm for w in ENTRY_WIDTHS_MM], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.text),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),  # hours
                ("ALIGN", (6, 0), (6, -1), "RIGHT"),  # amount
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def _totals_table(statement: Statement, style: ParagraphStyle, fonts: Fonts) -> Table:
    rows: list[list] = [TOTALS_HEADER]
    for total in statement.totals:
        rows.append(
            [
                _text(total.agreement, style, fonts),
                fmt(total.hours),
                fmt(total.amount),
                fmt(total.block_drawn),
                fmt(total.block_remaining),
            ]
        )
    rows.append(["Total", fmt(statement.hours), fmt(statement.amount), "", ""])
    table = Table(rows, colWidths=[w * mm for w in TOTALS_WIDTHS_MM])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.text),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def _fingerprint(
    statement: Statement, check: StatementCheck | None, style: ParagraphStyle, fonts: Fonts
) -> list[Flowable]:
    """The fingerprint; for an issued statement whose entries changed since, the one it was
    issued with and the history of each changed entry."""
    lines: list[Flowable] = [Paragraph(f"Fingerprint (SHA-256): {statement.fingerprint}", style)]
    if check is None or check.matches:
        return lines
    lines.append(
        Paragraph(
            f"Fingerprint when issued: {check.issued_fingerprint}. Entries marked * "
            "changed after the statement was issued:",
            style,
        )
    )
    for change in check.changes:
        for line in change.history:
            lines.append(
                _text(
                    f"Entry {change.entry_id} ({change.status}): {line.action} "
                    f"{line.at:%Y-%m-%d %H:%M} UTC by {line.by}. {'; '.join(line.changes)}",
                    style,
                    fonts,
                )
            )
        if not change.history:
            lines.append(_text(f"Entry {change.entry_id}: {change.status}", style, fonts))
    return lines
