"""`coso worker`: the background task worker (django-tasks-db's `db_worker`), made patient.

`db_worker` claims a task in an exclusive transaction; when another process holds the SQLite
write lock for longer than the busy timeout, that raises `database is locked` outside the
worker's own error handling and the process ends, leaving every import started from the
browser waiting. This worker waits and tries again (with a growing pause) instead: a busy
database delays the tasks, it does not stop them. `coso serve` runs it and restarts it should
it die all the same.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("django_tasks_db")

FIRST_PAUSE = 0.5  # seconds before trying a locked database again; doubled up to MAX_PAUSE
MAX_PAUSE = 30.0


def database_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


class PatientWorker(Worker):
    """A `db_worker` loop that outlives a locked database."""

    pauses: list[float]  # the pauses taken, for the tests and the log

    def run(self) -> None:
        self.pauses = []
        pause = FIRST_PAUSE
        while self.running:
            began = time.monotonic()
            try:
                super().run()
                return
            except OperationalError as exc:
                if not database_locked(exc):
                    raise
                if time.monotonic() - began > MAX_PAUSE:
                    pause = FIRST_PAUSE  # a fresh spell of contention, not the same one
                logger.warning("Cơ sở dữ liệu đang bận (%s); thử lại sau %.1f giây", exc, pause)
                # A connection that failed in the middle of BEGIN is not worth keeping.
                connections.close_all()
                self.pauses.append(pause)
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)


class Command(DbWorkerCommand):
    help = (
        "Chạy tiến trình xử lý tác vụ nền, chờ khi cơ sở dữ liệu bận / "
        "run the background task worker, waiting out a busy database"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queues = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = PatientWorker(
            queue_names=queues,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
