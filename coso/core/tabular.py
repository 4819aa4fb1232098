"""Read the tables people send: CSV as Excel and others save it, or the first sheet of an xlsx.

Every import and plan reads its file through `read_table`, so encodings, delimiters, Excel cell
types and line numbering are handled once. Column names come back lower-cased and stripped;
values stripped and in Unicode NFC (Windows-1258 stores Vietnamese tones as combining marks,
so the same name would otherwise compare unequal to the one typed in the web form).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from tqdm import tqdm

from coso.core.errors import RowError, RowErrors

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # Excel's "Unicode text" is saved as .txt
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = ",;\t"


@dataclass
class Row:
    line: int  # 1-based line (CSV) or row (xlsx) in the file; the header is 1
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[Row]


@dataclass
class ImportReport:
    """What a successful import wrote, for the command's summary."""

    file: str
    rows: int  # data rows read
    created: dict[str, int]  # what was created, by Vietnamese label: {"đơn vị": 120, ...}
    seconds: float


def summary(report: ImportReport) -> str:
    """The one-line Vietnamese summary the import commands print."""

    def num(n: int) -> str:
        return f"{n:,}".replace(",", ".")  # Vietnamese thousands separator

    made = ", ".join(f"{num(n)} {label}" for label, n in report.created.items())
    return (
        f"Đã nhập tệp {report.file}: {num(report.rows)} dòng, tạo {made or 'không có gì'}, "
        f"trong {report.seconds:.1f} giây."
    )


def import_facts(report: ImportReport) -> dict[str, Any]:
    """What an import's audit entry keeps (the same on every front end)."""
    return {
        "file": report.file,
        "rows": report.rows,
        "created": report.created,
        "summary": summary(report),
    }


def read_table(path: str | Path) -> Table:
    """The table in `path` (.csv/.tsv/.txt or .xlsx). Raise RowErrors if it cannot be read."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + XLSX_SUFFIXES:
        _fail(
            name, f"không đọc được loại tệp «{suffix or '(không có đuôi)'}» (dùng .csv hoặc .xlsx)"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(name, f"không tìm thấy tệp «{path}»")
    except OSError as exc:
        _fail(name, f"không đọc được tệp: {exc.strerror or exc}")
    if not data:
        _fail(name, "tệp rỗng")
    records = _xlsx_records(name, data) if suffix in XLSX_SUFFIXES else _csv_records(name, data)
    return _build(name, records)


def check_columns(
    table: Table, required: Sequence[str], optional: Sequence[str] = ()
) -> list[RowError]:
    """Errors for missing required columns and for columns the import does not know.

    Unknown columns are refused rather than ignored so that a misspelt optional column
    ("ethnicty") is not silently dropped from an all-or-nothing import.
    """
    errors = [
        RowError(table.name, 1, column, "thiếu cột bắt buộc")
        for column in required
        if column not in table.columns
    ]
    known = set(required) | set(optional)
    expected = ", ".join([*required, *optional])
    errors += [
        RowError(table.name, 1, column, f"cột không được hỗ trợ (các cột: {expected})")
        for column in table.columns
        if column not in known
    ]
    return errors


def progress_bar(total: int, desc: str, enabled: bool) -> tqdm[Any]:
    """A progress bar on stderr (so stdout keeps only the summary); silent when not enabled."""
    return tqdm(total=total, desc=desc, unit=" dòng", disable=not enabled, file=sys.stderr)


def sort_errors(errors: list[RowError], columns: Sequence[str]) -> list[RowError]:
    """File order: by line, then by column as the file lays them out."""
    order = {c: i for i, c in enumerate(columns)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, len(order)), e.reason))


def _fail(name: str, reason: str) -> NoReturn:
    raise RowErrors([RowError(name, 0, "", reason)])


def _clean(value: str) -> str:
    if value.isascii():  # most cells (ids, dates, codes): nothing to normalize
        return value.strip()
    return unicodedata.normalize("NFC", value.replace("\ufeff", "")).strip()


def _build(name: str, records: list[tuple[int, list[str]]]) -> Table:
    records = [(line, cells) for line, cells in records if any(_clean(c) for c in cells)]
    if not records:
        _fail(name, "không có dòng tiêu đề (tên cột)")
    header_line, header = records[0]
    names = [_clean(c).lower() for c in header]
    named = [(i, n) for i, n in enumerate(names) if n]
    if not named:
        _fail(name, "không có dòng tiêu đề (tên cột)")
    errors: list[RowError] = []
    seen: set[str] = set()
    for _, column in named:
        if column in seen:
            errors.append(RowError(name, header_line, column, "tên cột bị lặp"))
        seen.add(column)
    # A value under no column name is refused rather than dropped: it is most often a comma
    # inside an unquoted value, which shifts every later cell of the row.
    unnamed = {i for i, n in enumerate(names) if not n}
    width = len(names)
    rows: list[Row] = []
    for line, cells in records[1:]:
        stray = next(
            (i for i, c in enumerate(cells) if (i >= width or i in unnamed) and c.strip()), None
        )
        if stray is not None:
            errors.append(
                RowError(
                    name,
                    line,
                    "",
                    f"ô thứ {stray + 1} («{_clean(cells[stray])[:40]}») nằm dưới một cột không có "
                    "tên; có thể một giá trị chứa dấu phân cách mà không đặt trong ngoặc kép",
                )
            )
            continue
        values = {col: _clean(cells[i]) if i < len(cells) else "" for i, col in named}
        rows.append(Row(line=line, values=values))
    if errors:
        raise RowErrors(errors)
    return Table(name=name, columns=[n for _, n in named], rows=rows)


# --- CSV ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 > len(sample):
        even_nuls = sample[0::2].count(b"\x00")
        odd_nuls = sample[1::2].count(b"\x00")
        return data.decode("utf-16-be" if even_nuls > odd_nuls else "utf-16-le", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Vietnamese Windows saves "CSV" in the ANSI code page.
        return data.decode("cp1258", errors="replace")


def _delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = lines[0] if lines else ""
    by_header = max(DELIMITERS, key=lambda d: header.count(d))
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    # The header rarely holds a delimiter inside a name, so it overrules an odd sniff.
    if sniffed and header.count(sniffed) >= header.count(by_header):
        return sniffed
    return by_header if header.count(by_header) else ","


def _csv_records(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        _fail(name, f"tệp CSV hỏng gần dòng {reader.line_num}: {exc}")
    return records


# --- xlsx --------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _xlsx_records(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zip, XML and openpyxl errors all mean a damaged file
        return _fail(name, "tệp xlsx bị hỏng hoặc không phải tệp Excel (.xlsx)")
    try:
        if not workbook.worksheets:
            _fail(name, "tệp xlsx không có trang tính nào")
        sheet = workbook.worksheets[0]
        records = [
            (line, [_cell_text(v) for v in values])
            for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
    except RowErrors:
        raise
    except Exception:  # a truncated sheet fails while streaming
        return _fail(name, "tệp xlsx bị hỏng (không đọc hết được trang tính đầu tiên)")
    finally:
        workbook.close()
    return records
