"""`coso serve`: gunicorn serving the app and its static files, with a task worker if needed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.test import override_settings

from coso.web.management.commands.serve import gunicorn_options, uses_database_tasks
from tests.runs import SQLITE_FILES_ONLY

ROOT = Path(__file__).resolve().parents[2]


def test_worker_only_for_the_database_task_backend() -> None:
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert uses_database_tasks()
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        assert not uses_database_tasks()
    assert gunicorn_options("0.0.0.0", 8123, 3)["bind"] == "0.0.0.0:8123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@SQLITE_FILES_ONLY
def test_serve_runs_gunicorn_with_static_files(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "COSO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "coso.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "coso.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = 0
        for _ in range(100):
            time.sleep(0.2)
            try:
                status, body, headers = _get(f"http://127.0.0.1:{port}/static/web/app.css")
                break
            except OSError:
                continue
        assert status == 200, process.stdout.read(4000) if process.poll() is not None else ""
        assert b"Be Vietnam Pro" in body
        assert "gunicorn" in headers.get("Server", "")
        assert (tmp_path / "static" / "vendor" / "htmx" / "htmx.min.js").exists()
        status, _body, _headers = _get(f"http://127.0.0.1:{port}/static/vendor/nothing.js")
        assert status == 404
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    # The access log tells each request's time in the server (ms), last on its line.
    log = process.stdout.read().decode() if process.stdout else ""
    assert re.search(r'"GET /static/vendor/nothing.js HTTP/1.1" 404 .* \d+ms$', log, re.M), log
