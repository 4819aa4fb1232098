"""Many rows into one table in as few round trips as the database allows.

PostgreSQL takes a COPY stream (psycopg's `cursor.copy()`): one statement for any number of
rows, where `executemany` still sends one INSERT per row (a quarter of a million rows took 11 s
inside the national reform, the COPY of the same rows about a second). SQLite runs in process:
`executemany` of a prepared INSERT is its fastest path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

BATCH = 5000


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL: `rows` into `table` as one COPY stream on a psycopg cursor. Its errors are
    Django's (a duplicate key is an `IntegrityError`, as from an INSERT), so callers that
    check again on a conflict (`coso.core.checked_write`) see them."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], batch_size: int = BATCH
) -> None:
    """Insert `rows` (values in the order of `columns`) into `table`; no ids come back."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            copy_rows(cur.cursor, table, columns, rows)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
