"""Uploaded files kept on disk for the length of one request (imports and plans read paths).

The caps are the tabular reader's (settings COSO_MAX_*): a file over one is answered 413
`too_large` with the reader's message, and a file with very many bad rows is answered with the
first COSO_MAX_ERRORS_KEPT of them and the count, so that neither the work nor the answer grows
with what a client sends.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from coso.api.errors import ApiError
from coso.core.errors import RowErrors
from coso.core.tabular import TooLarge, megabytes


def _safe_name(name: str) -> str:
    # Keep the name (errors cite it) and its suffix (it picks CSV or xlsx), nothing of a path.
    base = Path(name or "tep").name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .") or "tep"
    return base[-120:]


def _bounded_row_errors(exc: RowErrors) -> ApiError:
    kept = settings.COSO_MAX_ERRORS_KEPT
    rows = [
        {"file": e.file, "row": e.row, "column": e.column, "reason": e.reason}
        for e in exc.errors[:kept]
    ]
    total = len(exc.errors)
    message = f"{total} lỗi trong tệp, không có thay đổi nào được ghi."
    if total > kept:
        message = f"{total} lỗi trong tệp (đây là {kept} lỗi đầu), không có thay đổi nào được ghi."
    return ApiError(400, "row_errors", message, rows)


@contextmanager
def saved_upload(upload: UploadedFile) -> Iterator[Path]:
    """The upload as a file on disk, removed afterwards; the caps' refusals made answers."""
    cap = settings.COSO_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > cap:
        raise ApiError(413, "too_large", f"Tệp «{upload.name}» quá lớn (tối đa {megabytes(cap)}).")
    with tempfile.TemporaryDirectory(prefix="coso-api-") as folder:
        path = Path(folder) / _safe_name(upload.name or "")
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            yield path
        except TooLarge as exc:
            raise ApiError(413, "too_large", exc.message) from None
        except RowErrors as exc:
            if len(exc.errors) <= settings.COSO_MAX_ERRORS_KEPT:
                raise
            raise _bounded_row_errors(exc) from None
