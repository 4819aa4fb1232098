"""Errors that carry a message for people (Vietnamese first)."""

from __future__ import annotations

from dataclasses import dataclass


class CosoError(Exception):
    """A refused operation. The message is shown to the user as is."""


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # 1-based line in the file, header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, dòng {self.row}"
        if self.column:
            where += f", cột «{self.column}»"
        return f"{where}: {self.reason}"


class RowErrors(CosoError):
    """Every bad row of a file or plan; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        lines = [str(e) for e in errors]
        super().__init__(f"{len(errors)} lỗi, không có thay đổi nào được ghi:\n" + "\n".join(lines))
