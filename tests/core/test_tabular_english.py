"""A refused file's reasons follow the reader's language (issue 13, point 14): Vietnamese by
default, English when the page or the API asked in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from coso.core.errors import RowErrors
from coso.core.tabular import read_table


def _reasons(path: Path) -> str:
    with pytest.raises(RowErrors) as refused:
        read_table(path)
    return " ".join(e.reason for e in refused.value.errors)


def test_file_refusals_in_each_language(tmp_path: Path) -> None:
    empty = tmp_path / "trong.csv"
    empty.write_bytes(b"")
    odd = tmp_path / "bang.doc"
    odd.write_bytes(b"x")
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a zip")
    assert _reasons(empty) == "tệp rỗng"
    assert "dùng .csv hoặc .xlsx" in _reasons(odd)
    with translation.override("en"):
        assert _reasons(empty) == "the file is empty"
        assert _reasons(odd) == "cannot read files of type «.doc» (use .csv or .xlsx)"
        assert "not an Excel file" in _reasons(broken)
