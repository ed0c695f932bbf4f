"""What people type reaches the client's statement intact: every script members write is
drawn in a font that has it (and can be read back out of the PDF), and nothing typed opens
as a spreadsheet formula in the CSV."""

import csv
import io
import unicodedata
from datetime import UTC, datetime

import pytest
import time_machine
from pypdf import PdfReader

from daybook.core.periods import month_period
from daybook.insights.exports import csv_response, statement_pdf, statement_rows
from daybook.insights.pdf import TEXT_FONT, statement_fonts
from daybook.insights.selectors import client_statement
from daybook.timekeeping.models import TimeEntry

MARCH = month_period(2025, 3)
MIXED = "Café ☕ مرحبا 日本語"
FORMULA = '=HYPERLINK("http://attacker.example","Invoice")'

needs_noto = pytest.mark.skipif(
    statement_fonts().text != TEXT_FONT[0],
    reason="needs Debian's Noto fonts (scripts/ensure-fonts)",
)


@pytest.fixture(autouse=True)
def first_of_april():
    with time_machine.travel(datetime(2025, 4, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


def statement_with_note(msp, note: str):
    TimeEntry.objects.filter(pk=msp.e["e1"].pk).update(notes=note)
    return client_statement(company=msp.acme, period=MARCH)


def pdf_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@needs_noto
def test_a_note_in_several_scripts_is_drawn_in_noto_and_reads_back(msp):
    content = statement_pdf(statement_with_note(msp, MIXED))

    fonts = pdf_fonts(content)
    # Embedded subsets carry the font's own name after a tag: /AAAAAA+NotoSans-Regular.
    embedded = {name.split("+", 1)[1] for name in fonts if "+" in name}
    assert {
        "NotoSans-Regular",  # Latin, and the heading in NotoSans-Bold
        "NotoSans-Bold",
        "NotoSansArabic-Regular",
        "NotoSansSymbols2-Regular",  # the coffee cup
        "DroidSansFallback",  # Japanese
    } <= embedded, fonts

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Café ☕" in text
    assert "日本語" in text
    # Arabic is drawn joined (presentation forms) and right to left; pypdf reads the run
    # back in reading order, and unjoined it is the word as typed.
    assert "\N{ARABIC LETTER MEEM INITIAL FORM}" in text  # joined to the letter after it
    assert "مرحبا" in unicodedata.normalize("NFKC", text)


def test_without_the_fonts_the_pdf_still_renders_and_says_why(msp, monkeypatch, caplog):
    from daybook.insights import pdf

    statement_fonts.cache_clear()
    monkeypatch.setattr(pdf, "FONT_DIRS", [])
    try:
        content = statement_pdf(statement_with_note(msp, "Plain notes"))
    finally:
        statement_fonts.cache_clear()
    assert "Helvetica" in " ".join(pdf_fonts(content))
    assert "Plain notes" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "scripts/ensure-fonts" in caplog.text


def test_a_formula_typed_into_notes_comes_out_as_text_in_the_statement_csv(msp):
    response = csv_response("statement.csv", statement_rows(statement_with_note(msp, FORMULA)))
    text = b"".join(response.streaming_content).decode()

    rows = list(csv.reader(io.StringIO(text)))
    notes = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert notes == ["'" + FORMULA]
