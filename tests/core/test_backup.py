"""`coso backup` then `coso restore`: the database and the meeting documents come back whole;
a damaged or incomplete backup is refused and nothing is replaced."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coso.audit.actions import AuditAction
from coso.audit.log import record_write
from coso.audit.models import AuditEntry
from coso.core import backup as backups
from coso.meetings.documents import documents_dir, store_document
from coso.meetings.models import Document
from coso.meetings.operations import plan_meeting
from coso.members.models import Member
from coso.members.operations import admit_member
from coso.units.operations import rename_unit
from tests.cast import Cast
from tests.documents import docx_bytes
from tests.runs import SQLITE_FILES_ONLY

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _stats(code: str) -> Any:
    out = io.StringIO()
    call_command("stats", code, "--json", "--as-of", "2025-01-01", stdout=out)
    return json.loads(out.getvalue())


def _audit() -> list[dict[str, Any]]:
    return list(AuditEntry.objects.order_by("pk").values())


def _documents() -> dict[str, bytes]:
    return {
        d.name: (documents_dir() / d.stored_name).read_bytes()
        for d in Document.objects.order_by("pk")
    }


def _state() -> tuple[Any, ...]:
    return _stats("P"), _stats("C"), _audit(), _documents(), Member.objects.count()


def _backup(target: Path) -> Path:
    out = io.StringIO()
    call_command("backup", str(target), verbosity=0, stdout=out)
    return Path(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def registry(cast: Cast, transactional_db: Any) -> Cast:
    """Members, units, audit entries and meeting documents, as a server would hold them."""
    rename_unit(cast.B2, name="Chi bộ thôn Tây", on=dt.date(2023, 1, 1))
    officer = cast.users["officer"]
    record_write(officer, AuditAction.RENAME, cast.B2, {"name": "Đơn vị B2"}, {"name": "Tây"})
    record_write(officer, AuditAction.ADMIT, cast.members["b1"], None, {"status": "official"})
    for month in (3, 4):
        meeting = plan_meeting(cast.B, kind="regular", on=dt.date(2024, month, 10), place="Xã")
        store_document(meeting, name=f"bien-ban-{month}.pdf", data=PDF + bytes([month]))
        store_document(meeting, name=f"nghi-quyet-{month}.docx", data=docx_bytes(month))
    return cast


def test_round_trip_into_a_fresh_data_directory(
    registry: Cast, tmp_path: Path, settings: Any
) -> None:
    before = _state()
    assert len(before[3]) == 4 and len(before[2]) >= 2
    saved = _backup(tmp_path / "backups")
    assert saved.parent == tmp_path / "backups" and saved.name.startswith("coso-")
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["database"]["engine"] in ("sqlite", "postgresql")
    assert manifest["app_version"] and manifest["created_at"]
    assert manifest["row_counts"]["meetings_document"] == 4
    assert manifest["row_counts"]["members_member"] == Member.objects.count()
    assert manifest["row_counts"]["audit_auditentry"] == len(before[2])
    assert len([f for f in manifest["files"] if f.startswith("documents/")]) == 4
    assert manifest["missing_files"] == {}
    sums = (saved / "SHA256SUMS").read_text()
    assert "  manifest.json\n" in sums and sums.count("  documents/") == 4

    # Life goes on after the backup: a member, an entry, a document, a lost file...
    admit_member(
        member_id="LATER-1",
        full_name="Võ Thị Sau",
        gender="female",
        birth_date=dt.date(1995, 1, 1),
        branch=registry.B,
        admitted_on=dt.date(2024, 5, 1),
    )
    meeting = plan_meeting(registry.B, kind="regular", on=dt.date(2024, 6, 10), place="Xã")
    store_document(meeting, name="sau.pdf", data=PDF)
    assert _state() != before
    # ... then the machine is lost: restore on a fresh data directory.
    settings.VAR_DIR = tmp_path / "fresh"
    assert not documents_dir().exists()
    out = io.StringIO()
    call_command("restore", str(saved), verbosity=0, stdout=out)
    assert "đã khôi phục" in out.getvalue()
    assert _state() == before  # same figures, same audit trail, every document's same bytes
    for document in Document.objects.all():
        assert backups.sha256_of(documents_dir() / document.stored_name) == document.sha256
    assert not [p for p in Path(settings.VAR_DIR).iterdir() if p.name.startswith(".")]


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("database", "«database.sqlite3» sai mã kiểm"),
        ("document", "sai mã kiểm (sha256)"),
        ("missing document", "thiếu tệp «documents/"),
        ("manifest", "manifest.json sai mã kiểm"),
        ("no manifest", "thiếu manifest.json"),
        ("path outside", "đường dẫn không hợp lệ"),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_is_replaced(
    registry: Cast, tmp_path: Path, damage: str, message: str
) -> None:
    saved = _backup(tmp_path / "backups")
    manifest_path = saved / "manifest.json"
    document = sorted((saved / "documents").iterdir())[0]
    if damage == "database":
        name = json.loads(manifest_path.read_text())["database"]["file"]
        _flip_one_byte(saved / name)
        message = message.replace("database.sqlite3", name)
    elif damage == "document":
        _flip_one_byte(document)
    elif damage == "missing document":
        document.unlink()
    elif damage == "manifest":
        manifest = json.loads(manifest_path.read_text())
        manifest["row_counts"]["members_member"] += 1
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "no manifest":
        manifest_path.unlink()
    elif damage == "path outside":
        # A crafted manifest (sums made to match) must not write outside the data directory.
        manifest = json.loads(manifest_path.read_text())
        manifest["files"]["../../evil.pdf"] = manifest["files"].pop(f"documents/{document.name}")
        manifest_path.write_text(json.dumps(manifest))
        sums = (saved / "SHA256SUMS").read_text().splitlines()
        sums[0] = f"{backups.sha256_of(manifest_path)}  manifest.json"
        (saved / "SHA256SUMS").write_text("\n".join(sums) + "\n")

    # What is live now differs from the backup, so a replacement would show.
    rename_unit(registry.B, name="Chi bộ đổi tên sau sao lưu", on=dt.date(2024, 12, 1))
    meeting = plan_meeting(registry.B, kind="regular", on=dt.date(2024, 6, 10), place="Xã")
    store_document(meeting, name="sau.pdf", data=PDF)
    live = _state()
    files = sorted(p.name for p in documents_dir().iterdir())
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("restore", str(saved), verbosity=0)
    assert _state() == live
    assert sorted(p.name for p in documents_dir().iterdir()) == files
    assert not (tmp_path / "evil.pdf").exists()


def test_refusal_message_says_nothing_was_restored(registry: Cast, tmp_path: Path) -> None:
    saved = _backup(tmp_path / "backups")
    _flip_one_byte(sorted((saved / "documents").iterdir())[-1])
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(saved), "--check", verbosity=0)
    assert "hỏng hoặc không đủ, không khôi phục gì" in str(refused.value)
    # The folder holding the backups is not one: the message points at the newest inside.
    with pytest.raises(CommandError, match="Bản mới nhất trong thư mục"):
        call_command("restore", str(tmp_path / "backups"), verbosity=0)


def test_missing_document_files_are_reported_at_backup_time(registry: Cast, tmp_path: Path) -> None:
    lost = Document.objects.order_by("pk").first()
    assert lost is not None
    (documents_dir() / lost.stored_name).unlink()
    err = io.StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=io.StringIO(), stderr=err)
    assert "1 tệp trong «documents»" in err.getvalue() and lost.stored_name in err.getvalue()


def test_keep_prunes_older_backups(registry: Cast, tmp_path: Path) -> None:
    target = tmp_path / "b"
    first = backups.backup(target, now=dt.datetime(2025, 1, 1, 2, 0, tzinfo=dt.UTC)).path
    backups.backup(target, now=dt.datetime(2025, 1, 2, 2, 0, tzinfo=dt.UTC))
    (target / ".coso-half.partial").mkdir()  # an interrupted one is never counted
    newest = _backup(target)
    call_command("backup", str(target), "--keep", "2", verbosity=0, stdout=io.StringIO())
    kept = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
    assert first.name not in kept and newest.name in kept and len(kept) == 2


def test_documents_folder_is_the_meetings_one(settings: Any) -> None:
    # The backup lists the folders by name (core imports no app): they must not drift apart.
    assert Path(settings.VAR_DIR) / next(iter(backups.FILE_FOLDERS)) == documents_dir()
    table, column = backups.FILE_FOLDERS["documents"]
    assert Document._meta.db_table == table
    assert column in [f.column for f in Document._meta.fields]


def _coso(var: Path, *args: str, timeout: int = 600) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSO_")}
    env = {**env, "COSO_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "coso.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "coso.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# Meetings planned on three of the demo's branches, each with two documents.
ADD_DOCUMENTS = """
import datetime as dt
from coso.core.dates import FAR_FUTURE
from coso.units.models import UnitSpan
from coso.meetings.operations import plan_meeting
from coso.meetings.documents import store_document
from tests.documents import docx_bytes, pdf_bytes
spans = UnitSpan.objects.filter(kind="branch", valid_to=FAR_FUTURE).order_by("unit_id")[:3]
for i, span in enumerate(spans):
    day = dt.date.today() + dt.timedelta(days=20 + i)
    meeting = plan_meeting(span.unit, kind="regular", on=day, place="Hội trường")
    store_document(meeting, name=f"tai-lieu-{i}.pdf", data=pdf_bytes(i))
    store_document(meeting, name=f"bb-{i}.docx", data=docx_bytes(i))
"""


@pytest.mark.slow
@SQLITE_FILES_ONLY
def test_demo_round_trip_on_the_command_line(tmp_path: Path) -> None:
    """The whole demo, as an operator would: backup, restore elsewhere, same figures."""
    first, second = tmp_path / "v1", tmp_path / "v2"
    _coso(first, "init")
    _coso(first, "load-demo", timeout=1200)
    _coso(first, "shell", "-c", ADD_DOCUMENTS)
    stats = _coso(first, "stats", "44", "--json")
    audit = "from coso.audit.models import AuditEntry as A; print(list(A.objects.order_by('pk').values_list()))"
    trail = _coso(first, "shell", "-c", audit)
    saved = Path(_coso(first, "backup", str(tmp_path / "b")).strip().splitlines()[-1])
    _coso(second, "restore", str(saved))
    assert _coso(second, "stats", "44", "--json") == stats
    assert _coso(second, "shell", "-c", audit) == trail
    check = (
        "from coso.meetings.models import Document as D; from coso.meetings.documents import "
        "documents_dir as d; import hashlib; print(sum(hashlib.sha256((d() / x.stored_name)"
        ".read_bytes()).hexdigest() == x.sha256 for x in D.objects.all()), D.objects.count())"
    )
    same, total = _coso(second, "shell", "-c", check).splitlines()[-1].split()
    assert same == total == "6"
    # One flipped byte: refused, and the restored copy stays as it was.
    database = saved / "database.sqlite3"
    _flip_one_byte(database)
    shutil.copytree(saved, tmp_path / "damaged")
    with pytest.raises(AssertionError, match="sai mã kiểm"):
        _coso(second, "restore", str(tmp_path / "damaged"))
    assert _coso(second, "stats", "44", "--json") == stats
