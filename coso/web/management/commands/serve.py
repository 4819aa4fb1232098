"""`coso serve`: the production server (gunicorn), static files by WhiteNoise, task worker.

Collects the static files first so WhiteNoise serves them from STATIC_ROOT, and when the task
backend is the database one, starts `db_worker` as a child process so that imports started from
the browser run in the background; the worker stops with the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from coso.web.startup import startup_checks


def uses_database_tasks() -> bool:
    """Whether a task backend of django-tasks-db is configured (it needs a worker process)."""
    backends = getattr(settings, "TASKS", {}) or {}
    return any("django_tasks_db" in str(b.get("BACKEND", "")) for b in backends.values())


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Reports and imports may take a while on large units; keep the default generous.
        "timeout": int(os.environ.get("COSO_SERVE_TIMEOUT", "120")),
        "accesslog": "-",
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("COSO_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # gunicorn 27's control socket lives in $HOME: two servers would fight over it.
        "control_socket_disable": True,
    }


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) cùng tiến trình xử lý tác vụ nền / run the web server"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("COSO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("COSO_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("COSO_WORKERS", "2")))
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background task worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in startup_checks():  # refuses the public key; says HTTP or HTTPS
            self.stdout.write(line)
        call_command("collectstatic", interactive=False, verbosity=0)
        worker: subprocess.Popen[bytes] | None = None
        if uses_database_tasks() and not options["no_worker"]:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "coso.settings"),
            }
            worker = subprocess.Popen([sys.executable, "-m", "django", "db_worker"], env=env)
            self.stdout.write(f"Tiến trình tác vụ nền / task worker: pid {worker.pid}")
        self.stdout.write(
            f"Coso: http://{options['host']}:{options['port']}/ (Ctrl+C để dừng / to stop)"
        )
        self.stdout.flush()
        try:
            run_gunicorn(gunicorn_options(options["host"], options["port"], options["workers"]))
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()


def run_gunicorn(options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    from coso.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorn lacks some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
