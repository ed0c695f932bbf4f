"""Open an uploaded file as a table: its header and its rows, one at a time.

CSV (UTF-8, with or without a byte-order mark; comma, semicolon or tab separated) and XLSX
(the first sheet, read in openpyxl's read-only mode) are read as streams, so a file of a
hundred thousand rows never sits in memory as a whole. Anything else is refused with a
sentence saying what to do instead.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
SNIFF_BYTES = 64 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be imported: unreadable, empty, or not the kind chosen."""


@dataclass
class Table:
    """The header as written, and the rows as (line number, cells). Line numbers are the
    ones a spreadsheet shows: the header is line 1."""

    columns: list[str]
    rows: Iterator[tuple[int, list[Any]]]


def header_key(name: Any) -> str:
    """A column name as it is matched: case, spacing and a trailing asterisk ignored."""
    return re.sub(r"\s+", " ", str(name or "")).strip().rstrip("*").strip().casefold()


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _csv_table(stream: IO[bytes]) -> Table:
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if b"\x00" in head:
        raise FileProblem(
            "This file isn't text: save it as CSV (UTF-8) or as an Excel workbook (.xlsx)."
        )
    try:
        sample = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as error:
        raise FileProblem(
            "This file isn't UTF-8 text. In your spreadsheet choose Save As, CSV UTF-8, and "
            "upload that."
        ) from error
    first_line = sample.splitlines()[0] if sample.strip() else ""
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def lines() -> Iterator[list[str]]:
        try:
            yield from reader
        except UnicodeDecodeError as error:
            raise FileProblem(
                f"Line {reader.line_num + 1} isn't UTF-8 text. Save the file as CSV UTF-8 "
                "and upload it again."
            ) from error
        except csv.Error as error:
            raise FileProblem(f"Line {reader.line_num} can't be read as CSV: {error}.") from error
        finally:
            # Hand the stream back to its owner: a wrapper left to the collector closes it.
            text.detach()

    return _table(lines())


def _xlsx_table(stream: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileProblem(
            "This workbook can't be opened. Save it again as .xlsx (or as CSV UTF-8) and "
            "upload that."
        ) from error
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise FileProblem("This workbook has no sheets to read.")

    def lines() -> Iterator[list[Any]]:
        try:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()

    return _table(lines())


def _table(lines: Iterator[list[Any]]) -> Table:
    line = 0
    header: list[Any] | None = None
    for cells in lines:
        line += 1
        if not _blank(cells):
            header = cells
            break
    if header is None:
        raise FileProblem("The file is empty: there is no header row and no data.")
    columns = [str(cell).strip() if cell is not None else "" for cell in header]
    while columns and not columns[-1]:
        columns.pop()
    first = line

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = first
        for cells in lines:
            number += 1
            if _blank(cells):
                continue
            yield number, cells

    return Table(columns=columns, rows=rows())


def open_table(stream: IO[bytes], name: str = "") -> Table:
    """The file's table. XLSX is recognised by its content, not only its name."""
    head = stream.read(8)
    stream.seek(0)
    lowered = name.lower()
    if not head:
        raise FileProblem("The file is empty: there is no header row and no data.")
    if head.startswith(OLD_EXCEL_MAGIC) or lowered.endswith(".xls"):
        raise FileProblem(
            "Old Excel files (.xls) can't be read. Save it as .xlsx or as CSV UTF-8 and "
            "upload that."
        )
    if head.startswith(XLSX_MAGIC):
        return _xlsx_table(stream)
    if lowered.endswith((".xlsx", ".xlsm")):
        raise FileProblem(
            "This file is named like a workbook but isn't one. Save it again as .xlsx (or as "
            "CSV UTF-8) and upload that."
        )
    return _csv_table(stream)
