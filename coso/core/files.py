"""Uploaded documents: checked by name, size and structure, stored under random names.

Files live under `settings.VAR_DIR / <folder>` (outside the web root) under random names; the
uploaded name is kept only as a label by the owning model. A file is accepted when its
extension is allowed AND its structure is that type's, and it is within the size limit; a
refusal writes nothing. Used by meeting documents and proposal attachments alike.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from django.conf import settings

from coso.core.errors import CosoError

# docx and xlsx are zip containers; jpg/jpeg share one signature.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# What a download says it is (the types the rule set lets in).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# The content type [Content_Types].xml gives an Office file's main part.
_MAIN_PART_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# Members no Word or Excel file holds, that a browser or a desktop would run.
_FORBIDDEN_MEMBER_SUFFIXES = frozenset(
    [
        "html",
        "htm",
        "xhtml",
        "xht",
        "mht",
        "mhtml",
        "shtml",
        "js",
        "mjs",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "hta",
        "exe",
        "dll",
        "com",
        "scr",
        "bat",
        "cmd",
        "msi",
        "ps1",
        "psm1",
        "sh",
        "jar",
        "lnk",
        "cpl",
    ]
)
# What makes a file something a browser would render as a page, within its first bytes.
_HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|meta|svg)", re.IGNORECASE
)
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024
_PDF_TAIL_BYTES = 2048


def folder_path(folder: str) -> Path:
    return Path(settings.VAR_DIR) / folder


def clean_name(name: str) -> str:
    raw = (name or "").strip()
    if not raw or "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw or raw.startswith("."):
        raise CosoError(f"Tên tệp «{raw}» không hợp lệ (không được chứa đường dẫn hoặc «..»).")
    return raw[:200]


def check_file(name: str, data: bytes, *, allowed: list[str], max_bytes: int) -> tuple[str, str]:
    """The cleaned name and file type, or a refusal naming what is wrong."""
    clean = clean_name(name)
    extension = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    allowed = [t.lower() for t in allowed]
    if extension not in allowed or extension not in _MAGIC:
        raise CosoError(
            f"Tệp «{clean}»: loại «{extension or '?'}» không được phép (chỉ: {', '.join(allowed)})."
        )
    if len(data) > max_bytes:
        raise CosoError(too_large(clean, len(data), max_bytes))
    if not data or not data.startswith(_MAGIC[extension]):
        raise CosoError(f"Tệp «{clean}»: nội dung không phải tệp {extension} thật.")
    problem = _check_structure(extension, data)
    if problem:
        raise CosoError(f"Tệp «{clean}»: nội dung không phải tệp {extension} thật ({problem}).")
    return clean, extension


def too_large(name: str, size: int, max_bytes: int) -> str:
    """The refusal of a file over the limit, the same whether it is noticed before reading the
    upload (its declared size) or after."""
    return f"Tệp «{name}» quá lớn: {size:,} byte, tối đa {max_bytes:,} byte.".replace(",", ".")


def write_new(folder: str, extension: str, data: bytes) -> Path:
    """Write `data` under a new random name in `folder`; the caller removes it if its row fails."""
    target = folder_path(folder)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{secrets.token_hex(16)}.{extension}"
    path.write_bytes(data)
    return path


def stored_path(folder: str, stored_name: str) -> Path | None:
    """The stored file, if it is one (never a path outside its folder)."""
    base = folder_path(folder)
    path = base / stored_name
    if path.parent != base or not path.is_file():
        return None
    return path


def _check_structure(extension: str, data: bytes) -> str:
    """What is wrong with `data` as a file of type `extension` ("" if nothing)."""
    if extension == "pdf":
        return _pdf_problem(data)
    if extension in _MAIN_PART_TYPES:
        return _office_problem(extension, data)
    if extension == "png" and data[12:16] != b"IHDR":
        return "thiếu phần đầu IHDR"
    return ""


def _pdf_problem(data: bytes) -> str:
    # A page in disguise: browsers and mail filters sniff the first kilobyte for HTML.
    if _HTML_MARKERS.search(data[:1024]):
        return "có mã HTML ở đầu tệp"
    if b"%%EOF" not in data[-_PDF_TAIL_BYTES:]:
        return "thiếu phần kết %%EOF"
    return ""


def _office_problem(extension: str, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            for part in parts:
                problem = _member_problem(part.filename)
                if problem:
                    return problem
            names = {p.filename for p in parts}
            if "[Content_Types].xml" not in names:
                return "thiếu [Content_Types].xml"
            declared = archive.getinfo("[Content_Types].xml").file_size
            if declared > _CONTENT_TYPES_MAX_BYTES:
                return "[Content_Types].xml quá lớn"
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "tệp nén bị hỏng"
    if b"<!DOCTYPE" in types.upper() or b"<!ENTITY" in types.upper():
        return "[Content_Types].xml có khai báo DOCTYPE"
    try:
        root = ElementTree.fromstring(types)
    except ElementTree.ParseError:
        return "[Content_Types].xml bị hỏng"
    main = [
        element.get("PartName", "")
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "Override"
        and element.get("ContentType") == _MAIN_PART_TYPES[extension]
    ]
    if len(main) != 1:
        return "không có phần chính của tệp"
    if main[0].lstrip("/") not in names:
        return f"thiếu phần chính «{main[0]}»"
    return ""


def _member_problem(member: str) -> str:
    path = PurePosixPath(member)
    if (
        member.startswith(("/", "\\"))
        or "\\" in member
        or ".." in path.parts
        or (len(member) > 1 and member[1] == ":")
        or "\x00" in member
    ):
        return f"đường dẫn «{member}» trong tệp nén không hợp lệ"
    if path.suffix.lower().lstrip(".") in _FORBIDDEN_MEMBER_SUFFIXES:
        return f"tệp nén chứa «{member}», loại tệp không được phép trong tài liệu"
    return ""
