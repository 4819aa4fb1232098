from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from coso.core.errors import RowErrors
from coso.core.tabular import read_table

from .files import write_csv, write_xlsx

NAMES = ["Nguyễn Thị Hường", "Đặng Văn Ấn", "Trần Thị Thuỷ", "Lê Quốc Việt"]
ROWS = [["Member_ID", " Full Name "], *[[f"M{i}", n] for i, n in enumerate(NAMES)]]


def _names(path: Path) -> list[str]:
    table = read_table(path)
    assert table.columns == ["member_id", "full name"]
    return [r.values["full name"] for r in table.rows]


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert _names(path) == NAMES


def test_windows_1258_is_read_and_normalized_to_nfc(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS, encoding="cp1258", delimiter=";")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    # Excel stores at least one tone as a combining mark, which NFC must fold back.
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) != raw.decode("cp1258")
    names = _names(path)
    assert names == NAMES
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_utf16_tab_separated_as_excel_unicode_text(tmp_path: Path) -> None:
    rows = [*ROWS, ["M9", "Phạm, Thị Mai"]]  # a comma inside a value must not split it
    path = write_csv(tmp_path / "a.txt", rows, encoding="utf-16", delimiter="\t")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert _names(path) == [*NAMES, "Phạm, Thị Mai"]


def test_utf16_big_endian(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    text = "\r\n".join("\t".join(r) for r in ROWS) + "\r\n"
    path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    assert _names(path) == NAMES


def test_semicolon_csv_and_line_numbers_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('code;name\n\nA;"two\nlines"\n ; \nB;x\n', encoding="utf-8")
    table = read_table(path)
    assert [(r.line, r.values) for r in table.rows] == [
        (3, {"code": "A", "name": "two\nlines"}),
        (6, {"code": "B", "name": "x"}),
    ]


def test_short_rows_get_empty_values(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b,c\n1\n", encoding="utf-8")
    assert read_table(path).rows[0].values == {"a": "1", "b": "", "c": ""}


def test_xlsx_dates_and_numbers_become_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [
            ["Code", "When", "N", "Ratio"],
            [12.0, dt.datetime(2020, 1, 2), 12, 0.5],
            [None, None, None, None],
            ["X", dt.date(2021, 3, 4), None, " y "],
        ],
    )
    table = read_table(path)
    assert table.columns == ["code", "when", "n", "ratio"]
    assert [(r.line, r.values) for r in table.rows] == [
        (2, {"code": "12", "when": "2020-01-02", "n": "12", "ratio": "0.5"}),
        (4, {"code": "X", "when": "2021-03-04", "n": "", "ratio": "y"}),
    ]


def _only_error(path: Path) -> str:
    with pytest.raises(RowErrors) as caught:
        read_table(path)
    assert len(caught.value.errors) == 1
    error = caught.value.errors[0]
    assert error.file == path.name
    return error.reason


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"")
    assert _only_error(path) == "tệp rỗng"


def test_truncated_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["code"], *[[f"U{i}"] for i in range(500)]])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "hỏng" in _only_error(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "a.xls"
    path.write_bytes(b"whatever")
    assert ".xls" in _only_error(path)
    assert "không tìm thấy" in _only_error(tmp_path / "nothing.csv")


def test_no_header(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\n ,, \n", encoding="utf-8")
    assert "tiêu đề" in _only_error(path)


def test_duplicate_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("code,name,Code\n1,2,3\n", encoding="utf-8")
    with pytest.raises(RowErrors) as caught:
        read_table(path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "code")]


def test_unnamed_empty_columns_are_ignored(tmp_path: Path) -> None:
    wb_path = tmp_path / "a.xlsx"
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"], sheet["D3"] = "Code", "Name"  # a margin column and a gap, as people lay out
    sheet["B10"], sheet["D10"] = "X", "Tên"
    workbook.save(wb_path)
    table = read_table(wb_path)
    assert table.columns == ["code", "name"]
    assert [(r.line, r.values) for r in table.rows] == [(10, {"code": "X", "name": "Tên"})]


def test_values_beyond_the_header_are_reported_on_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("code,name\nA,Nguyễn Văn An\nB,Trần, Thị Bình\nC,x\nD,,\n", encoding="utf-8")
    with pytest.raises(RowErrors) as caught:
        read_table(path)
    [error] = caught.value.errors
    assert error.row == 3 and "ô thứ 3" in error.reason and "Thị Bình" in error.reason
