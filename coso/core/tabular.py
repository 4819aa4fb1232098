"""Read the tables people send: CSV as Excel and others save it, or the first sheet of an xlsx.

Every import and plan reads its file through `read_table`, so encodings, delimiters, Excel cell
types and line numbering are handled once. Column names come back lower-cased and stripped;
values stripped and in Unicode NFC (Windows-1258 stores Vietnamese tones as combining marks,
so the same name would otherwise compare unequal to the one typed in the web form).

Every file is bounded before it costs work (caps in settings, `Limits`): its size first; for
xlsx the zip's central directory (declared unpacked size, member count, compression ratio)
before openpyxl parses anything; then rows and cells per row while streaming. A file over a cap
raises `TooLarge` naming the file and the cap.

Column headers may be the codes (`member_id`) or the Vietnamese headers of the downloadable
templates (`Số lý lịch`): each import registers its headers with `accept_headers`, and
`read_table` returns the codes either way (compared without tones and case).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.utils.translation import gettext
from tqdm import tqdm

from coso.core.errors import RowError, RowErrors

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # Excel's "Unicode text" is saved as .txt
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = ",;\t"
# Parts smaller than this are not judged by their compression ratio (tiny parts of repeated XML
# compress well and cost nothing).
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The caps a file is read under (settings COSO_MAX_*)."""

    upload_bytes: int
    unpacked_bytes: int
    rows: int  # data rows, the header not counted
    cells_per_row: int
    compression_ratio: int
    zip_members: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            upload_bytes=settings.COSO_MAX_UPLOAD_BYTES,
            unpacked_bytes=settings.COSO_MAX_UNPACKED_BYTES,
            rows=settings.COSO_MAX_ROWS,
            cells_per_row=settings.COSO_MAX_CELLS_PER_ROW,
            compression_ratio=settings.COSO_MAX_COMPRESSION_RATIO,
            zip_members=settings.COSO_MAX_ZIP_MEMBERS,
        )


class TooLarge(RowErrors):
    """A file over one of the caps, refused before the work it would cost; nothing is written.

    A RowErrors (row 0), so every front end that reports a bad file reports this one too; the
    API answers it 413.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__([RowError(name, 0, "", reason)])
        self.message = gettext("Tệp «%(name)s» bị từ chối: %(reason)s.") % {
            "name": name,
            "reason": reason,
        }

    def __str__(self) -> str:
        return self.message


# Vietnamese header (folded: no tones, lower case, single spaces) -> column code.
_HEADERS: dict[str, str] = {}


def column_code_key(text: str) -> str:
    """How headers (and names given for codes) are compared: no tones, lower case, single spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(bare.lower().replace("*", " ").split())


def accept_headers(headers: Mapping[str, str]) -> None:
    """Accept `{code: Vietnamese header}` as column names: files may use either."""
    for code, header in headers.items():
        known = _HEADERS.setdefault(column_code_key(header), code)
        assert known == code, f"header «{header}» already names column {known}"


def column_code(header: str) -> str:
    """The column code a header stands for: itself unless it is a registered Vietnamese header."""
    return _HEADERS.get(column_code_key(header), header)


def with_refusals(errors: Sequence[RowError], refused: Sequence[RowError]) -> list[RowError]:
    """A file's own errors and the caller's refusals (rows naming units out of scope), each
    cell reported once: where a refusal names a row and column, it replaces the file's own
    error there (which could otherwise tell whether a unit out of scope exists)."""
    taken = {(e.row, e.column) for e in refused}
    mine = [e for e in errors if (e.row, e.column) not in taken]
    return list(dict.fromkeys([*mine, *refused]))


def number(n: int) -> str:
    """A count for people: "500.000" (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def megabytes(size: int) -> str:
    """A size for people: "370,2 MB" (Vietnamese decimal comma)."""
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


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


def read_table(path: str | Path, limits: Limits | None = None) -> Table:
    """The table in `path` (.csv/.tsv/.txt or .xlsx). Raise RowErrors if it cannot be read,
    TooLarge (a RowErrors) as soon as it is seen to exceed a cap."""
    path = Path(path)
    limits = limits or Limits.from_settings()
    check_file(path, limits)
    name = path.name
    if path.suffix.lower() in XLSX_SUFFIXES:
        records = _xlsx_records(name, path, limits)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            _fail(name, gettext("không đọc được tệp: %(why)s") % {"why": exc.strerror or exc})
        records = _csv_records(name, data, limits)
    return _build(name, records)


def check_file(path: str | Path, limits: Limits | None = None) -> None:
    """The checks that cost no parsing: type, size, and for xlsx the zip's directory.

    Raise RowErrors (TooLarge for a cap). Cheap enough to run in a request before a
    background job is queued.
    """
    path = Path(path)
    limits = limits or Limits.from_settings()
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + XLSX_SUFFIXES:
        _fail(
            name,
            gettext("không đọc được loại tệp «%(suffix)s» (dùng .csv hoặc .xlsx)")
            % {"suffix": suffix or gettext("(không có đuôi)")},
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        _fail(name, gettext("không tìm thấy tệp «%(path)s»") % {"path": path})
    except OSError as exc:
        _fail(name, gettext("không đọc được tệp: %(why)s") % {"why": exc.strerror or exc})
    if not size:
        _fail(name, gettext("tệp rỗng"))
    if size > limits.upload_bytes:
        raise TooLarge(
            name,
            gettext("tệp nặng %(size)s, tối đa %(most)s")
            % {"size": megabytes(size), "most": megabytes(limits.upload_bytes)},
        )
    if suffix in XLSX_SUFFIXES:
        _check_zip(name, path, limits)


def check_columns(
    table: Table, required: Sequence[str], optional: Sequence[str] = ()
) -> list[RowError]:
    """Errors for missing required columns and for columns the import does not know.

    Unknown columns are refused rather than ignored so that a misspelt optional column
    ("ethnicty") is not silently dropped from an all-or-nothing import.
    """
    errors = [
        RowError(table.name, 1, column, gettext("thiếu cột bắt buộc"))
        for column in required
        if column not in table.columns
    ]
    known = set(required) | set(optional)
    expected = ", ".join([*required, *optional])
    errors += [
        RowError(
            table.name,
            1,
            column,
            gettext("cột không được hỗ trợ (các cột: %(expected)s)") % {"expected": expected},
        )
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
        _fail(name, gettext("không có dòng tiêu đề (tên cột)"))
    header_line, header = records[0]
    names = [column_code(_clean(c)).lower() for c in header]
    named = [(i, n) for i, n in enumerate(names) if n]
    if not named:
        _fail(name, gettext("không có dòng tiêu đề (tên cột)"))
    errors: list[RowError] = []
    seen: set[str] = set()
    for _, column in named:
        if column in seen:
            errors.append(RowError(name, header_line, column, gettext("tên cột bị lặp")))
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
                    gettext(
                        "ô thứ %(n)s («%(value)s») nằm dưới một cột không có tên; có thể một giá "
                        "trị chứa dấu phân cách mà không đặt trong ngoặc kép"
                    )
                    % {"n": stray + 1, "value": _clean(cells[stray])[:40]},
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


def _csv_records(name: str, data: bytes, limits: Limits) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1

    def lines() -> Iterable[tuple[int, Sequence[object]]]:
        nonlocal start
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1

    try:
        return _bounded(name, lines(), limits)
    except csv.Error as exc:
        _fail(
            name,
            gettext("tệp CSV hỏng gần dòng %(line)s: %(why)s")
            % {"line": reader.line_num, "why": exc},
        )


def _bounded(
    name: str, lines: Iterable[tuple[int, Sequence[object]]], limits: Limits
) -> list[tuple[int, list[str]]]:
    """The records of `lines`, refused as soon as there are too many rows or cells in a row."""
    records: list[tuple[int, list[str]]] = []
    for count, (line, cells) in enumerate(lines, start=1):
        if count > limits.rows + 1:  # the header is the first line
            raise TooLarge(
                name,
                gettext("có hơn %(most)s dòng dữ liệu, tối đa %(most)s")
                % {"most": number(limits.rows)},
            )
        if len(cells) > limits.cells_per_row:
            raise TooLarge(
                name,
                gettext("dòng %(line)s có %(cells)s ô, tối đa %(most)s ô mỗi dòng")
                % {"line": line, "cells": number(len(cells)), "most": number(limits.cells_per_row)},
            )
        texts = [v if isinstance(v, str) else _cell_text(v) for v in cells]
        while texts and not texts[-1]:  # openpyxl pads rows with empty cells: keep them short
            texts.pop()
        records.append((line, texts))
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


def _check_zip(name: str, path: Path, limits: Limits) -> None:
    """Refuse a zip bomb from its central directory, before anything is decompressed.

    The declared sizes bind: Python's zipfile (which openpyxl reads through) stops a part at its
    declared size and then fails its CRC, so a part that lies about its size reads as damaged.
    """
    damaged = gettext("tệp xlsx bị hỏng hoặc không phải tệp Excel (.xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        _fail(name, damaged)
    if len(parts) > limits.zip_members:
        raise TooLarge(
            name,
            gettext("tệp xlsx có %(parts)s phần, tối đa %(most)s phần")
            % {"parts": number(len(parts)), "most": number(limits.zip_members)},
        )
    unpacked = sum(p.file_size for p in parts)
    if unpacked > limits.unpacked_bytes:
        raise TooLarge(
            name,
            gettext("giải nén ra %(size)s, tối đa %(most)s")
            % {"size": megabytes(unpacked), "most": megabytes(limits.unpacked_bytes)},
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
            raise TooLarge(
                name,
                gettext(
                    "phần «%(part)s» nén %(ratio)s lần (%(packed)s giải nén ra %(size)s), tối đa "
                    "%(most)s lần: tệp bất thường (có thể là «bom nén»)"
                )
                % {
                    "part": part.filename,
                    "ratio": number(round(ratio)),
                    "packed": megabytes(part.compress_size),
                    "size": megabytes(part.file_size),
                    "most": number(limits.compression_ratio),
                },
            )


def _xlsx_records(name: str, path: Path, limits: Limits) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # zip, XML and openpyxl errors all mean a damaged file
        return _fail(name, gettext("tệp xlsx bị hỏng hoặc không phải tệp Excel (.xlsx)"))
    try:
        if not workbook.worksheets:
            _fail(name, gettext("tệp xlsx không có trang tính nào"))
        sheet = workbook.worksheets[0]
        # The declared dimension (A1:XFD1048576 costs nothing to write) would pad every row
        # and add empty rows up to it; each row is read at its own width instead.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        records = _bounded(name, enumerate(rows, start=1), limits)
    except RowErrors:
        raise
    except Exception:  # a truncated sheet fails while streaming
        return _fail(name, gettext("tệp xlsx bị hỏng (không đọc hết được trang tính đầu tiên)"))
    finally:
        workbook.close()
    return records
