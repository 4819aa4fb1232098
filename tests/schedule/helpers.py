"""Jobs made for the tests, the Vietnam clock, and a database threads can share."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import connection, connections

from coso.core.schedule import Job

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T = TypeVar("T")


def vn(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN)


def ahead(days: int) -> dt.date:
    """A day after the real today, so that travelling there never goes back in time."""
    return dt.date.today() + dt.timedelta(days=days)


class Counter:
    """A job function that counts its calls (and can fail the first `failures` of them)."""

    def __init__(self, *, failures: int = 0, pause: float = 0.0) -> None:
        self.days: list[dt.date] = []
        self.failures = failures
        self.pause = pause
        self._lock = threading.Lock()

    def __call__(self, day: dt.date) -> str:
        with self._lock:
            self.days.append(day)
            calls = len(self.days)
        if self.pause:
            threading.Event().wait(self.pause)  # while the other scheduler tries its claim
        if calls <= self.failures:
            raise RuntimeError(f"máy in hết giấy (lần {calls})")
        return f"lần {calls} xong"


def job(name: str, run: Callable[[dt.date], str], when: str = "00:05") -> Job:
    return Job(name, f"Việc thử {name}", run, when)


def in_thread(fn: Callable[[], T]) -> T:
    """fn() in a thread of its own (its own database connection, closed after)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def share_database(tmp_path: Path) -> Iterator[None]:
    """Make the connections that threads open reach one database the way separate servers do.

    PostgreSQL: they already do. SQLite: the test database is in memory, where connections of
    one process share a cache whose table locks fail at once instead of waiting out the busy
    timeout; so new connections go to a file copy of it (WAL, busy timeout, as in production).
    """
    if connection.vendor != "sqlite":
        yield
        return
    target = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as out:
        connection.connection.backup(out)
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "NAME": str(target)}
    try:
        yield
    finally:
        connections.settings["default"] = original
