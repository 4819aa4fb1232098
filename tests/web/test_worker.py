"""The background worker outlives a locked database, and `coso serve` restarts it if it dies."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection

from coso.units.imports import import_units
from coso.web.imports import run_import_job
from coso.web.management.commands import worker as worker_module
from coso.web.management.commands.serve import WorkerSupervisor, worker_command
from coso.web.management.commands.worker import PatientWorker
from coso.web.models import ImportJob, ImportStatus
from tests.imports.files import write_csv
from tests.imports.test_members_import import GOOD, UNITS

ROOT = Path(__file__).resolve().parents[2]
# The worker's busy timeout in this test, and the lock held on after the worker first met it:
# what matters is that the lock outlasts the timeout (30 s in production), not the production
# figure itself, which would cost the suite 40 s of waiting.
BUSY_TIMEOUT = 2
LOCK_SECONDS = 6


def _worker(**kw: Any) -> PatientWorker:
    options: dict[str, Any] = {
        "queue_names": ["default"],
        "interval": 0.1,
        "batch": False,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "test",
        "excluded_queue_names": [],
    }
    return PatientWorker(**{**options, **kw})


def test_the_worker_waits_out_a_locked_database(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes: list[BaseException | None] = [
        OperationalError("database is locked"),
        OperationalError("database is locked"),
        None,
    ]

    def run(self: Any) -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(worker_module.Worker, "run", run)
    monkeypatch.setattr(worker_module.time, "sleep", lambda s: None)
    worker = _worker()
    worker.run()
    assert outcomes == [] and worker.pauses == [0.5, 1.0]


def test_the_worker_still_stops_on_other_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(self: Any) -> None:
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(worker_module.Worker, "run", run)
    with pytest.raises(OperationalError, match="no such table"):
        _worker().run()


def test_serve_runs_the_patient_worker() -> None:
    assert worker_command()[-1] == "worker"


def test_the_supervisor_restarts_a_worker_that_dies(tmp_path: Path) -> None:
    said: list[str] = []
    started = tmp_path / "started"
    # A "worker" that notes its start and dies at once, as db_worker did on a locked database.
    script = f"open({str(started)!r}, 'a').write('x'); raise SystemExit(3)"
    supervisor = WorkerSupervisor(
        [sys.executable, "-c", script],
        say=said.append,
        first_pause=0.1,
        max_pause=0.4,
        check_every=0.05,
    )
    supervisor.start()
    try:
        deadline = time.monotonic() + 20
        while supervisor.restarts < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        supervisor.stop()
    assert supervisor.restarts >= 3
    assert len(started.read_text()) >= 3
    assert any("mã 3" in line and "restarting in" in line for line in said)
    assert supervisor.process is not None and supervisor.process.poll() is not None


def test_the_supervisor_stops_its_worker(tmp_path: Path) -> None:
    supervisor = WorkerSupervisor(
        [sys.executable, "-c", "import time; time.sleep(60)"], say=lambda s: None, check_every=0.05
    )
    supervisor.start()
    process = supervisor.process
    assert process is not None and process.poll() is None
    supervisor.stop()
    assert process.poll() is not None and supervisor.restarts == 0


def _database_file_with_a_queued_import(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the test database in a file, holding an import job the worker has to run."""
    var = tmp_path / "var"
    (var / "imports").mkdir(parents=True)
    import_units(write_csv(tmp_path / "units.csv", UNITS), progress=False)
    admin = User.objects.create_superuser("admin-lock", password="x" * 12)
    token = uuid.uuid4()
    upload = write_csv(var / "imports" / "members.csv", GOOD)
    ImportJob.objects.create(
        token=token, kind="members", user=admin, file_name=upload.name, path=str(upload)
    )
    run_import_job.enqueue(str(token))
    database = tmp_path / "locked.sqlite3"
    target = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    return database, str(token)


def _job_status(database: Path, token: str) -> str:
    with sqlite3.connect(database, timeout=30) as conn:
        row = conn.execute(
            "SELECT status FROM web_importjob WHERE token = ?", [token.replace("-", "")]
        ).fetchone()
    return str(row[0]) if row else ""


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's single write lock: PostgreSQL has no database-wide writer to wait for "
    "(the SQLite run of CI executes this test)",
)
@pytest.mark.django_db(transaction=True)  # committed, so the database can be copied to a file
def test_the_worker_survives_the_write_lock_held_past_its_busy_timeout(tmp_path: Path) -> None:
    database, token = _database_file_with_a_queued_import(tmp_path)
    assert _job_status(database, token) == ImportStatus.PENDING
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "COSO_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "coso.settings",
        "COSO_DB_BUSY_TIMEOUT": str(BUSY_TIMEOUT),
    }
    log = (tmp_path / "worker.log").open("w+")
    # Another process (an import, a reorganization) takes the write lock and keeps it.
    holder = sqlite3.connect(database, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    held_since = time.monotonic()
    worker = subprocess.Popen(
        [*worker_command(), "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Held until the worker has met it (its claim timed out: it says so in its log), however
        # long its start takes on a loaded machine, then a while longer.
        while "database is locked" not in _tail(log) and time.monotonic() - held_since < 120:
            assert worker.poll() is None, _tail(log)
            time.sleep(0.2)
        met = time.monotonic()
        while time.monotonic() - met < LOCK_SECONDS:
            assert worker.poll() is None, _tail(log)
            time.sleep(0.5)
        holder.execute("ROLLBACK")
        holder.close()
        assert worker.poll() is None, _tail(log)
        # A deadline, not a wait: the worker may be in a pause of up to 4 s when the lock goes, and
        # a loaded machine runs the import slowly.
        deadline = time.monotonic() + 60
        while _job_status(database, token) != ImportStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _job_status(database, token) == ImportStatus.DONE, _tail(log)
        assert worker.poll() is None, _tail(log)
        # It did meet the lock (the claim timed out after the busy timeout) and waited it out.
        assert "database is locked" in _tail(log), _tail(log)
        with sqlite3.connect(database) as conn:
            assert conn.execute("SELECT count(*) FROM members_member").fetchone() == (5,)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()


def _tail(log: Any) -> str:
    log.flush()
    log.seek(0)
    return str(log.read()[-3000:])
