"""Uploaded files kept on disk for the length of one request (imports and plans read paths)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from coso.api.errors import ApiError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _safe_name(name: str) -> str:
    # Keep the name (errors cite it) and its suffix (it picks CSV or xlsx), nothing of a path.
    base = Path(name or "tep").name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .") or "tep"
    return base[-120:]


@contextmanager
def saved_upload(upload: UploadedFile) -> Iterator[Path]:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ApiError(
            413,
            "too_large",
            f"Tệp «{upload.name}» quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).",
        )
    with tempfile.TemporaryDirectory(prefix="coso-api-") as folder:
        path = Path(folder) / _safe_name(upload.name or "")
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path
