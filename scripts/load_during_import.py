"""Concurrent reads during a long import: 50 readers against `coso serve` on 127.0.0.1 while a
members file (50,000 rows by default) is imported through the API. Bounded: at most `--per-reader`
requests each and `--seconds` of reading, then it stops by itself.

    make demo   # once (Ctrl+C after it starts serving): the demo database in var/
    .venv/bin/python scripts/load_during_import.py

The demo database is copied (SQLite backup API) to a temporary folder and served from there by
`coso serve --no-worker` on a free port, so the import does not touch it. Half the readers open
pages with a logged-in session, half call the API with a token (its "last used" is written at
most once a minute and never waits for the write lock). The import is `POST
/api/v1/imports/members` with the admin's token. Every answer other than 200, and every
connection failure, counts as an error; the script exits 1 if there is any.
Latencies are reported for the requests answered before the import started (reads alone) and
for those made while it was running.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COSO = [sys.executable, "-m", "coso.cli"]
PAGES = [
    "/",
    "/units/44/",
    "/units/19111/",
    "/units/19111-CB01/",
    "/tree/",
    "/members/?unit=19111",
    "/members/?q=nguyen",
]
API = [
    "/api/v1/units/44/stats",
    "/api/v1/tree/44",
    "/api/v1/units/19111",
    "/api/v1/members?unit=19111",
    "/api/v1/members?q=tran",
    "/api/v1/units/19111/stats",
]


@dataclass
class Result:
    started: float
    seconds: float
    path: str
    status: int  # 0: the connection failed
    error: str = ""


@dataclass
class Shared:
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def cookies_of(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def log_in(port: int, username: str, password: str) -> str:
    """A session cookie header for `username` (the login form, as a browser posts it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    jar = cookies_of(page.getheaders())
    html = page.read().decode()
    conn.close()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
            "Origin": f"http://127.0.0.1:{port}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    jar.update(cookies_of(answer.getheaders()))
    conn.close()
    if answer.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {username} failed ({answer.status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def reader(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    shared: Shared,
    budget: int,
    offset: int,
    deadline: float,
) -> None:
    for n in range(budget):
        if shared.stop.is_set() or time.monotonic() > deadline:
            return
        path = paths[(n + offset) % len(paths)]
        started = time.monotonic()
        try:
            status, _h, _body = request(port, "GET", path, headers)
            result = Result(started, time.monotonic() - started, path, status)
        except OSError as exc:
            result = Result(started, time.monotonic() - started, path, 0, repr(exc))
        with shared.lock:
            shared.results.append(result)


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def apply_plan_during(
    port: int, token: str, plan: bytes, out: list[tuple[int, bytes, float]]
) -> None:
    """Two seconds into the import, apply a reorganization plan through the API (a write that
    must wait for the import's inserts, not fail)."""
    time.sleep(2)
    boundary = uuid.uuid4().hex
    fields = {"on": time.strftime("%Y-%m-%d"), "decision": "99-QĐ/TU", "dry_run": "false"}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="plan.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + plan
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    started = time.monotonic()
    try:
        status, _h, answer = request(
            port,
            "POST",
            "/api/v1/reorg/plans",
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(body)),
            },
            body,
            timeout=300,
        )
    except OSError as exc:
        status, answer = 0, repr(exc).encode()
    out.append((status, answer, time.monotonic() - started))


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", type=Path, default=ROOT / "var" / "coso.sqlite3")
    parser.add_argument("--rows", type=int, default=50_000, help="members in the import")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of reading before the import starts"
    )
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--per-reader", type=int, default=150, help="at most, per reader")
    parser.add_argument("--seconds", type=float, default=60, help="at most, for the reading")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--user", default="tochuc.quangbinh", help="the readers' account")
    parser.add_argument("--importer", default="admin", help="the account that imports")
    parser.add_argument(
        "--password",
        default=os.environ.get("COSO_LOAD_PASSWORD", ""),
        help="the demo accounts' password (default: var/admin-password.txt)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--reorg",
        action="store_true",
        help="also apply a reorganization plan (renames, a retag in commune 19111) during the import",
    )
    args = parser.parse_args()
    password = args.password or (ROOT / "var" / "admin-password.txt").read_text().strip()
    if not args.database.exists():
        raise SystemExit(f"{args.database} not found: load the demo first (make demo)")

    work = Path(tempfile.mkdtemp(prefix="coso-load-"))
    database = work / "coso.sqlite3"
    with sqlite3.connect(args.database) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "COSO_VAR_DIR": str(work),
        "DJANGO_SETTINGS_MODULE": "coso.settings",
    }
    members_csv = work / "members.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "members_csv.py"), str(args.rows), members_csv],
        env=env,
        check=True,
        cwd=ROOT,
    )
    tokens = {}
    for user in {args.user, args.importer}:
        made = subprocess.run(
            [*COSO, "token", "create", user, "--name", "load-test"],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        tokens[user] = made.stdout.strip().splitlines()[-1]
    with sqlite3.connect(database) as conn:
        (before,) = conn.execute("SELECT count(*) FROM members_member").fetchone()

    port = free_port()
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [*COSO, "serve", "--port", str(port), "--workers", str(args.workers), "--no-worker"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    exit_code = 1
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/accounts/login/", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        session = log_in(port, args.user, password)
        page_headers = {"Cookie": session}
        api_headers = {"Authorization": f"Bearer {tokens[args.user]}"}

        shared = Shared()
        began = time.monotonic()
        readers = [
            threading.Thread(
                target=reader,
                args=(
                    port,
                    PAGES if i % 2 else API,
                    page_headers if i % 2 else api_headers,
                    shared,
                    args.per_reader,
                    i,
                    began + args.seconds,
                ),
                daemon=True,
            )
            for i in range(args.readers)
        ]
        for thread in readers:
            thread.start()
        time.sleep(args.warmup)  # reads alone first: the figures to compare with

        body, content_type = multipart(members_csv.name, members_csv.read_bytes())
        reorg: list[tuple[int, bytes, float]] = []
        if args.reorg:
            # Renames and a retag: the units the import names stay alive (a merge that ends
            # one of them makes the import refuse its file, all or nothing, as it should).
            plan = (
                b"op,unit,into,name,kind,category\n"
                + "rename,19111-CB01,,Chi bộ Tiểu khu Một,,\n".encode()
                + "rename,19111-CB03,,Chi bộ Tiểu khu Ba,,\n".encode()
                + b"retag,19111-CB05,,,,village\n"
            )
            reorg_thread = threading.Thread(
                target=apply_plan_during,
                args=(port, tokens[args.importer], plan, reorg),
                daemon=True,
            )
            reorg_thread.start()
        import_started = time.monotonic()
        try:
            status, _h, answer = request(
                port,
                "POST",
                "/api/v1/imports/members",
                {
                    "Authorization": f"Bearer {tokens[args.importer]}",
                    "Content-Type": content_type,
                    "Content-Length": str(len(body)),
                },
                body,
                timeout=300,
            )
        except OSError as exc:
            status, answer = 0, repr(exc).encode()
        import_ended = time.monotonic()
        if args.reorg:
            reorg_thread.join(timeout=300)
        shared.stop.set()
        for thread in readers:
            thread.join(timeout=max(0.0, began + args.seconds + 30 - time.monotonic()))

        results = list(shared.results)
        before_import = [r for r in results if r.started + r.seconds < import_started]
        during = [r for r in results if import_started <= r.started < import_ended]
        errors = [r for r in results if r.status != 200]
        reading = max(r.started + r.seconds for r in results) - began
        with sqlite3.connect(database) as conn:
            (after,) = conn.execute("SELECT count(*) FROM members_member").fetchone()
        print(f"import: HTTP {status} in {import_ended - import_started:.1f} s", end="")
        if status == 200:
            print(f" (server: {json.loads(answer)['seconds']:.1f} s), {after - before} members")
        else:
            print(f": {answer[:300]!r}")
        print(
            f"readers: {args.readers} ({args.workers} gunicorn workers), {len(results)} requests "
            f"in {reading:.1f} s; errors: {len(errors)}"
        )
        for label, window in (("before the import", before_import), ("during", during)):
            for kind in ("pages", "API", "all"):
                chosen = [
                    r.seconds * 1000
                    for r in window
                    if r.status == 200
                    and (kind == "all" or r.path.startswith("/api/") == (kind == "API"))
                ]
                if len(chosen) >= 2:
                    print(
                        f"  {label}, {kind}: {len(chosen)} requests, "
                        f"p50 {percentile(chosen, 50):.0f} ms, p95 {percentile(chosen, 95):.0f} ms, "
                        f"p99 {percentile(chosen, 99):.0f} ms, max {max(chosen):.0f} ms"
                    )
        for r in errors[:10]:
            print(f"  error: {r.path} -> {r.status} {r.error}")
        reorg_ok = True
        for plan_status, plan_answer, plan_seconds in reorg:
            reorg_ok = plan_status == 200
            print(f"reorganization plan: HTTP {plan_status} in {plan_seconds:.1f} s", end="")
            print("" if reorg_ok else f": {plan_answer[:300]!r}")
        if args.reorg and not reorg:
            reorg_ok = False
            print("reorganization plan: no answer")
        exit_code = (
            0 if not errors and reorg_ok and status == 200 and after - before == args.rows else 1
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if args.keep or exit_code:
            print(f"kept: {work} (serve.log)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
