"""Write test tables the way people's tools do: csv module, openpyxl, Excel's encodings."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

TONES = "\u0300\u0301\u0303\u0309\u0323"


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1258":
        path.write_bytes(cp1258(text))
    else:
        path.write_bytes(text.encode(encoding))
    return path


def cp1258(text: str) -> bytes:
    """Windows-1258 as Excel writes it: precomposed where the code page has the letter, otherwise
    the letter without its tone followed by the combining tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            tone = "".join(c for c in parts if c in TONES)
            out += (base + tone).encode("cp1258")
    return bytes(out)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def coso(argv: list[str]) -> int:
    """Run `coso A B ...` as the console command does, and return its exit status.

    `coso.cli.main` itself cannot be called in a test: Django closes every connection after a
    command run from argv, which would end the test's transaction on PostgreSQL.
    """
    from django.core.management import call_command

    from coso.cli import _command_name

    name, rest = _command_name(argv[1:])
    try:
        call_command(name, *rest)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
