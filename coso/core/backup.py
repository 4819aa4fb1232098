"""`coso backup` and `coso restore`: the database and the files it points at, verified.

A backup is a folder `coso-YYYYMMDD-HHMMSS/` holding
- the database: `database.sqlite3`, a consistent copy made with SQLite's online backup API
  (readers and writers carry on meanwhile), or `database.pgdump`, PostgreSQL's `pg_dump -Fc`;
- `documents/`: every file under VAR_DIR/documents (meeting documents live outside the
  database; a copy of the database alone leaves its document rows pointing at nothing);
- `manifest.json`: what, when, app version, database engine, row counts of every table and the
  size and sha256 of every file; `SHA256SUMS` covers the manifest too (`sha256sum -c` works).
It is written under a hidden `.partial` name and renamed when complete, so a half-written
backup never looks like one.

`restore` checks everything first (manifest, every checksum, paths, engine; SQLite: the copy's
integrity and row counts) and refuses a damaged or incomplete backup before touching anything.
It then restores into temporary places beside the live ones and swaps them in: the documents
folder by rename, the SQLite database in one transaction of the online backup API (atomic for
every open connection, and safe in WAL mode where moving a file under a running server is not),
or by a plain move when there is no database yet; PostgreSQL with `pg_restore --clean
--single-transaction`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections

from coso.core.errors import CosoError

FORMAT = "coso-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
PREFIX = "coso-"
# Folders under VAR_DIR whose files the database points at, with the table and column naming
# them (checked at backup time: a row whose file is missing is reported).
FILE_FOLDERS: dict[str, tuple[str, str]] = {
    "documents": ("meetings_document", "stored_name"),
    "proposal_documents": ("authority_proposaldocument", "stored_name"),
}
# The tables a backup's summary names (every table is counted in the manifest).
KEY_TABLES = (
    "units_unit",
    "members_member",
    "members_memberspan",
    "meetings_meeting",
    "meetings_document",
    "audit_auditentry",
)
_CHUNK = 1 << 20

Say = Callable[[str], None]


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Small pieces


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_of(path)}


def engine() -> str:
    """`sqlite` or `postgresql` (the only engines Coso runs on)."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CosoError(f"Không sao lưu được cơ sở dữ liệu loại «{vendor}».")
    return vendor


def app_version() -> str:
    try:
        return metadata.version("coso")
    except metadata.PackageNotFoundError:
        return "unknown"


def var_dir() -> Path:
    return Path(settings.VAR_DIR)


def _sqlite_live_path() -> Path | None:
    """The live SQLite file, or None for an in-memory database (tests)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name)


def _raw_sqlite() -> sqlite3.Connection:
    if connection.in_atomic_block:
        raise CosoError("Không sao lưu hay khôi phục được bên trong một giao dịch đang mở.")
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows of every table of the SQLite file at `path`."""
    with closing(sqlite3.connect(path)) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: int(db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in names}


def _live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for name in sorted(connection.introspection.table_names(cursor)):
            if name.startswith("sqlite_"):  # SQLite's own (statistics), as in sqlite_counts
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            out[name] = int(cursor.fetchone()[0])
        return out


def _pg_env() -> dict[str, str]:
    """libpq's variables from the configured database (no password on the command line)."""
    conf = connection.settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if conf.get(key):
            env[var] = str(conf[key])
    return env


def _run(command: list[str], what: str) -> str:
    try:
        done = subprocess.run(
            command, env=_pg_env(), capture_output=True, text=True, check=False, timeout=6 * 3600
        )
    except FileNotFoundError as exc:
        raise CosoError(
            f"Không tìm thấy «{command[0]}» (cài postgresql-client) để {what}."
        ) from exc
    if done.returncode != 0:
        raise CosoError(f"{what}: «{command[0]}» thất bại: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _files_under(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


# --------------------------------------------------------------------------------------------
# Backup


def _snapshot_database(work: Path) -> tuple[str, dict[str, int]]:
    """Write the database into `work`; its file name and the row counts it holds."""
    if engine() == "sqlite":
        target = work / "database.sqlite3"
        raw = _raw_sqlite()
        with closing(sqlite3.connect(target)) as out:
            raw.backup(out)  # one step: a consistent copy, whatever the others write meanwhile
        # The copy is self-contained: no WAL beside it.
        with closing(sqlite3.connect(target)) as out:
            out.execute("PRAGMA journal_mode=DELETE")
        return target.name, sqlite_counts(target)
    target = work / "database.pgdump"
    counts = _live_counts()
    _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(target)], "sao lưu")
    return target.name, counts


def _missing_files(db_file: Path | None, counts: dict[str, int]) -> dict[str, list[str]]:
    """Files the database names that are not in VAR_DIR (reported, not fatal: the backup is
    still the best copy there is)."""
    missing: dict[str, list[str]] = {}
    for folder, (table, column) in FILE_FOLDERS.items():
        if table not in counts:
            continue
        if db_file is not None:
            with closing(sqlite3.connect(db_file)) as db:
                names = [r[0] for r in db.execute(f'SELECT "{column}" FROM "{table}"')]
        else:
            with connection.cursor() as cursor:
                quote = connection.ops.quote_name
                cursor.execute(f"SELECT {quote(column)} FROM {quote(table)}")
                names = [r[0] for r in cursor.fetchall()]
        gone = sorted(n for n in names if not (var_dir() / folder / n).is_file())
        if gone:
            missing[folder] = gone
    return missing


def backup(target: Path, *, say: Say | None = None, now: dt.datetime | None = None) -> Backup:
    """Write a complete backup into a new folder under `target`; its path and manifest."""
    say = say or (lambda _line: None)
    moment = now or dt.datetime.now(dt.UTC)
    target.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{moment:%Y%m%d-%H%M%S}"
    final = target / name
    n = 1
    while final.exists():
        n += 1
        final = target / f"{name}-{n}"
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=target))
    try:
        say("Sao lưu cơ sở dữ liệu / database…")
        db_name, counts = _snapshot_database(work)
        files: dict[str, dict[str, Any]] = {db_name: _entry(work / db_name)}
        say("Sao lưu tài liệu / documents…")
        for folder in FILE_FOLDERS:
            for path in _files_under(var_dir() / folder):
                relative = PurePosixPath(folder, *path.relative_to(var_dir() / folder).parts)
                copy = work / relative
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
                files[str(relative)] = _entry(copy)
        missing = _missing_files(work / db_name if db_name.endswith(".sqlite3") else None, counts)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": moment.isoformat(timespec="seconds"),
            "app_version": app_version(),
            "database": {"engine": engine(), "file": db_name},
            "row_counts": counts,
            "files": files,
            "missing_files": missing,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        sums = {MANIFEST: sha256_of(work / MANIFEST)} | {k: v["sha256"] for k, v in files.items()}
        (work / SUMS).write_text(
            "".join(f"{digest}  {path}\n" for path, digest in sums.items()), encoding="utf-8"
        )
        work.chmod(0o700)  # personal data: the owner only, like the data directory
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Backup(final, manifest)


def prune(target: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups under `target`; the ones removed."""
    found = sorted(
        p
        for p in target.iterdir()
        if p.is_dir() and p.name.startswith(PREFIX) and (p / MANIFEST).is_file()
    )
    gone = found[:-keep] if keep > 0 else []
    for path in gone:
        shutil.rmtree(path)
    return gone


def backup_dir() -> Path:
    """Where the daily backup goes: COSO_BACKUP_DIR, else VAR_DIR/backups."""
    configured = str(getattr(settings, "COSO_BACKUP_DIR", "") or "")
    return Path(configured) if configured else var_dir() / "backups"


def daily_backup(day: dt.date) -> str:
    """The scheduler's job (`backup`): a new backup in backup_dir(), then only the newest
    COSO_BACKUP_KEEP are kept (0 keeps all); one line saying what was done."""
    target = backup_dir()
    done = backup(target)
    keep = int(settings.COSO_BACKUP_KEEP)
    removed = prune(target, keep) if keep > 0 else []
    documents = len(done.manifest["files"]) - 1
    line = (
        f"Đã sao lưu vào {done.path} ({documents} tệp tài liệu), xóa {len(removed)} bản cũ "
        f"(giữ {keep})."
    )
    missing = sum(len(names) for names in done.manifest["missing_files"].values())
    if missing:
        line += f" CẢNH BÁO: {missing} tệp cơ sở dữ liệu nhắc tới không có trên đĩa."
    return line


# --------------------------------------------------------------------------------------------
# Verify


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        return None
    return path


def verify(source: Path) -> dict[str, Any]:
    """The manifest of the backup in `source` once every file checks out; else CosoError
    naming every problem (nothing is touched)."""
    if not (source / MANIFEST).is_file():
        inside = (
            sorted(
                p.name for p in source.glob(f"{PREFIX}*") if p.is_dir() and (p / MANIFEST).is_file()
            )
            if source.is_dir()
            else []
        )
        hint = f" Bản mới nhất trong thư mục: «{source / inside[-1]}»." if inside else ""
        raise CosoError(f"«{source}» không phải bản sao lưu của Coso (thiếu {MANIFEST}).{hint}")
    problems: list[str] = []
    sums: dict[str, str] = {}
    try:
        for line in (source / SUMS).read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if name:
                sums[name] = digest
    except (OSError, UnicodeDecodeError):
        problems.append(f"thiếu hoặc không đọc được {SUMS}")
    if sums and sums.get(MANIFEST) != sha256_of(source / MANIFEST):
        problems.append(f"{MANIFEST} sai mã kiểm (sha256)")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CosoError(f"Bản sao lưu «{source}» hỏng: {MANIFEST} không đọc được.")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        problems.append(
            f"định dạng «{manifest.get('format')}» phiên bản "
            f"{manifest.get('format_version')} không được hỗ trợ"
        )
    database = manifest.get("database") or {}
    if database.get("engine") != engine():
        problems.append(
            f"sao lưu từ cơ sở dữ liệu «{database.get('engine')}», đang dùng «{engine()}»"
        )
    files = manifest["files"]
    db_name = database.get("file")
    if not isinstance(db_name, str) or db_name not in files or "/" in db_name:
        problems.append("thiếu tệp cơ sở dữ liệu")
    for name, entry in sorted(files.items()):
        relative = _safe_relative(name)
        if relative is None or (relative.parts[0] not in FILE_FOLDERS and len(relative.parts) > 1):
            problems.append(f"đường dẫn không hợp lệ «{name}»")
            continue
        if not isinstance(entry, dict):
            problems.append(f"bản kê hỏng ở tệp «{name}»")
            continue
        path = source.joinpath(*relative.parts)
        if not path.is_file():
            problems.append(f"thiếu tệp «{name}»")
        elif path.stat().st_size != entry.get("size"):
            problems.append(f"tệp «{name}» sai kích thước")
        elif sha256_of(path) != entry.get("sha256") or sums.get(name) != entry.get("sha256"):
            problems.append(f"tệp «{name}» sai mã kiểm (sha256)")
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; và {len(problems) - 10} lỗi khác" if len(problems) > 10 else ""
        )
        raise CosoError(f"Bản sao lưu «{source}» hỏng hoặc không đủ, không khôi phục gì: {shown}.")
    return manifest


# --------------------------------------------------------------------------------------------
# Restore


def _copy_checked(source: Path, target: Path, entry: dict[str, Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if sha256_of(target) != entry["sha256"]:  # the copy itself, not only the original
        raise CosoError(f"Bản chép của «{source.name}» sai mã kiểm: đĩa có vấn đề?")


def _check_sqlite_copy(path: Path, manifest: dict[str, Any]) -> None:
    try:
        with closing(sqlite3.connect(path)) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise CosoError(f"Cơ sở dữ liệu trong bản sao lưu hỏng: {exc}.") from exc
    if result != "ok":
        raise CosoError(f"Cơ sở dữ liệu trong bản sao lưu hỏng: {result}.")
    differ = _differences(sqlite_counts(path), manifest.get("row_counts") or {})
    if differ:
        raise CosoError(
            f"Số dòng của cơ sở dữ liệu trong bản sao lưu khác với bản kê (manifest): {differ}."
        )


def _differences(found: dict[str, int], expected: dict[str, int]) -> str:
    names = sorted(set(found) | set(expected))
    return ", ".join(
        f"{n} {found.get(n, '–')} ≠ {expected.get(n, '–')}"
        for n in names
        if found.get(n) != expected.get(n)
    )


def restore(source: Path, *, say: Say | None = None, check_only: bool = False) -> dict[str, Any]:
    """Replace the database and the documents with the backup in `source`; its manifest."""
    say = say or (lambda _line: None)
    say("Kiểm tra bản sao lưu / verifying…")
    manifest = verify(source)
    for folder, names in (manifest.get("missing_files") or {}).items():
        say(f"Lưu ý / note: {len(names)} tệp trong «{folder}» đã thiếu từ trước khi sao lưu.")
    files: dict[str, dict[str, Any]] = manifest["files"]
    db_name: str = manifest["database"]["file"]
    root = var_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
    live_db = _sqlite_live_path() if engine() == "sqlite" else None
    # Beside the live file, so that the final move stays on one file system.
    db_copy = (live_db.parent if live_db else staging) / f".{db_name}.restore-{os.getpid()}"
    try:
        # 1. Everything into temporary places beside the live ones, each copy checked.
        say("Chép vào chỗ tạm / staging…")
        _copy_checked(source / db_name, db_copy, files[db_name])
        if engine() == "sqlite":
            _check_sqlite_copy(db_copy, manifest)
        else:
            _run(["pg_restore", "--list", str(db_copy)], "kiểm tra bản sao lưu")
        for name, entry in files.items():
            if name != db_name:
                _copy_checked(source / name, staging / name, entry)
        for folder in FILE_FOLDERS:
            (staging / folder).mkdir(exist_ok=True)
        if check_only:
            say("Bản sao lưu đầy đủ và đúng; chưa thay gì / sound; nothing replaced.")
            return manifest
        # 2. Swap in: the folders by rename, then the database; the folders go back if it fails.
        say("Thay dữ liệu / replacing…")
        swapped: list[str] = []
        try:
            for folder in FILE_FOLDERS:
                live = root / folder
                if live.exists():
                    os.replace(live, staging / f"{folder}.old")
                swapped.append(folder)
                os.replace(staging / folder, live)
            _replace_database(db_copy)
        except BaseException:
            for folder in reversed(swapped):
                shutil.rmtree(root / folder, ignore_errors=True)
                if (staging / f"{folder}.old").exists():
                    os.replace(staging / f"{folder}.old", root / folder)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        db_copy.unlink(missing_ok=True)
    differ = _differences(_live_counts(), manifest["row_counts"]) if engine() == "sqlite" else ""
    if differ:
        raise CosoError(f"Sau khi khôi phục, số dòng khác với bản kê (manifest): {differ}.")
    return manifest


def _replace_database(copy: Path) -> None:
    if engine() == "postgresql":
        connections.close_all()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                str(connection.settings_dict["NAME"]),
                str(copy),
            ],
            "khôi phục",
        )
        return
    live = _sqlite_live_path()
    if live is not None and not live.exists():
        connections.close_all()
        for suffix in ("-wal", "-shm"):  # leftovers of an earlier file would be replayed
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        os.replace(copy, live)
        return
    # One step of the backup API is one write transaction on the live database: every open
    # connection sees the old data or the new, and the WAL stays consistent.
    with closing(sqlite3.connect(copy)) as source:
        source.backup(_raw_sqlite())


__all__ = [
    "FILE_FOLDERS",
    "KEY_TABLES",
    "Backup",
    "backup",
    "backup_dir",
    "daily_backup",
    "prune",
    "restore",
    "sha256_of",
    "sqlite_counts",
    "verify",
]
