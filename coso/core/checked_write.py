"""Write what was checked outside the lock: the shape both file imports share.

An import reads and checks its whole file before the write transaction, so the write lock is held
only for the inserts. What the check relied on may change in between (a unit ended, an id taken):
`write_checked` then checks again, a few times, before refusing the file. Nothing is written by an
attempt that does not finish.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, OperationalError, transaction

from coso.core.errors import CosoError

T = TypeVar("T")

ATTEMPTS = 3  # checks of a file whose data keeps changing before it is refused


class Changed(Exception):
    """What a checked file relies on changed before the write took the lock."""


def write_checked(file: str, attempt: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run `attempt` (check, then write in one transaction) until it finishes.

    `attempt` raises Changed (or the database an IntegrityError) when its check no longer holds
    under the lock: it runs again against what is there now. A lock still taken past the busy
    timeout is tried again too, unless a caller's transaction is open, which a retry cannot start
    afresh. After `attempts`, the file is refused.
    """
    for _attempt in range(attempts):
        try:
            return attempt()
        except (Changed, IntegrityError):
            continue
        except OperationalError as exc:
            if transaction.get_connection().in_atomic_block or "locked" not in str(exc):
                raise
    raise CosoError(
        f"Không ghi được tệp «{file}»: cơ sở dữ liệu bận hoặc dữ liệu liên quan thay đổi liên tục "
        "trong lúc nhập; không có thay đổi nào được ghi, hãy thử lại."
    )
