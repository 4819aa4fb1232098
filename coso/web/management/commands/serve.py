"""`coso serve`: the production server (gunicorn), static files by WhiteNoise, task worker,
scheduler.

Collects the static files first so WhiteNoise serves them from STATIC_ROOT, and when the task
backend is the database one, starts the task worker (`coso worker`) as a child process so that
imports started from the browser run in the background. It also starts the scheduler (`coso
scheduler`: daily snapshots, backup, pruning...; each slot runs once however many servers run
it, coso/core/schedule.py). A thread watches each child and starts it again if it ends (with a
growing pause should it keep failing); they stop with the server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from coso.web.startup import startup_checks

logger = logging.getLogger(__name__)


def uses_database_tasks() -> bool:
    """Whether a task backend of django-tasks-db is configured (it needs a worker process)."""
    backends = getattr(settings, "TASKS", {}) or {}
    return any("django_tasks_db" in str(b.get("BACKEND", "")) for b in backends.values())


ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Reports and imports may take a while on large units; keep the default generous.
        "timeout": int(os.environ.get("COSO_SERVE_TIMEOUT", "120")),
        "accesslog": "-",
        # gunicorn's default line, then the time the request took (ms): a slow request under
        # load is told from a slow client or load generator only by the server's own time.
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("COSO_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # gunicorn 27's control socket lives in $HOME: two servers would fight over it.
        "control_socket_disable": True,
        "post_worker_init": warm_up_worker,
    }


def warm_up_worker(worker: Any) -> None:
    """gunicorn's hook in each worker before it takes requests: render a small PDF, so that the
    first user to download one does not wait for WeasyPrint, Pango and the fonts to load (about
    a second). In the worker rather than the master: the font configuration it keeps holds a
    temporary folder that a process removes as it ends, and should not be shared through fork."""
    from coso.core.printing import warm_up
    from coso.quality.outputs import summary_css
    from coso.units.printing import stylesheet

    try:
        warm_up(stylesheet(), summary_css())
    except Exception:  # a server that cannot print still serves everything else
        logger.exception("PDF warm-up failed")


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) cùng tiến trình xử lý tác vụ nền / run the web server"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("COSO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("COSO_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("COSO_WORKERS", "2")))
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background task worker"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not start the scheduler (another process or machine runs `coso scheduler`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in startup_checks():  # refuses the public key; says HTTP or HTTPS
            self.stdout.write(line)
        call_command("collectstatic", interactive=False, verbosity=0)
        children: list[WorkerSupervisor] = []
        if uses_database_tasks() and not options["no_worker"]:
            children.append(WorkerSupervisor(worker_command(), say=self._say))
        if not options["no_scheduler"]:
            children.append(
                WorkerSupervisor(scheduler_command(), say=self._say, label=SCHEDULER_LABEL)
            )
        for child in children:
            child.start()
        self._say(f"Coso: http://{options['host']}:{options['port']}/ (Ctrl+C để dừng / to stop)")
        try:
            run_gunicorn(gunicorn_options(options["host"], options["port"], options["workers"]))
        finally:
            for child in children:
                child.stop()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def worker_command() -> list[str]:
    """The task worker `coso serve` runs: `db_worker` that waits out a locked database."""
    return [sys.executable, "-m", "django", "worker"]


def scheduler_command() -> list[str]:
    """The scheduler `coso serve` runs beside the worker (coso/core/schedule.py)."""
    return [sys.executable, "-m", "django", "scheduler"]


WORKER_LABEL = ("Tiến trình tác vụ nền", "task worker")
SCHEDULER_LABEL = ("Tiến trình chạy theo lịch", "scheduler")


class WorkerSupervisor:
    """Runs `command` as a child process and starts it again whenever it ends, until stopped.

    Pauses before a restart start at `first_pause` and double while the process keeps dying
    young (up to `max_pause`), so a worker that cannot start does not spin.
    """

    def __init__(
        self,
        command: list[str],
        *,
        say: Callable[[str], None] = print,
        first_pause: float = 1.0,
        max_pause: float = 60.0,
        check_every: float = 1.0,
        label: tuple[str, str] = WORKER_LABEL,
    ) -> None:
        self.command = command
        self.label = label
        self.say = say
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.check_every = check_every
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, name=f"coso-{label[1].replace(' ', '-')}", daemon=True
        )

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "coso.settings"),
        }
        self.process = subprocess.Popen(self.command, env=env)
        self._started_at = time.monotonic()
        self.say(f"{self.label[0]} / {self.label[1]}: pid {self.process.pid}")

    def _watch(self) -> None:
        pause = self.first_pause
        while not self._stopping.wait(self.check_every):
            assert self.process is not None
            code = self.process.poll()
            if code is None:
                continue
            if time.monotonic() - self._started_at > self.max_pause:
                pause = self.first_pause  # it had been running well: not a crash loop
            self.say(
                f"{self.label[0]} dừng (mã {code}), khởi động lại sau {pause:.0f} giây / "
                f"{self.label[1]} ended (code {code}), restarting in {pause:.0f} s"
            )
            if self._stopping.wait(pause):
                return
            self._spawn()
            self.restarts += 1
            pause = min(pause * 2, self.max_pause)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.check_every + 5)
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
