"""A list whose length is already known, for a Paginator: only the page asked is read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


class Counted:
    """A list of rows whose length is already known (a tally's figure, the sum of a list's
    status counts): a paginator reads only the page asked, not a count of the whole list.

    With `keys` (offset, limit -> primary keys in the list's order), a page is read in two
    steps: its keys, then those rows with their annotations — never the annotations of every
    row to sort them (a province's 77,000 households)."""

    ordered = True

    def __init__(
        self,
        rows: QuerySet[Any],
        count: int,
        keys: Callable[[int, int], list[int]] | None = None,
    ) -> None:
        self.rows = rows
        self._count = count
        self._keys = keys

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: Any) -> Any:
        if self._keys is None or not isinstance(item, slice):
            return self.rows[item]
        start = item.start or 0
        stop = self._count if item.stop is None else item.stop
        keys = self._keys(start, max(stop - start, 0))
        found = {row.pk: row for row in self.rows.filter(pk__in=keys)}
        return [found[key] for key in keys if key in found]
