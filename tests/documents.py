"""Small but real files for upload tests: documents are checked by structure, not by name."""

from __future__ import annotations

import io
import zipfile

DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def pdf_bytes(seed: int = 0, size: int = 5000) -> bytes:
    """A PDF header, `size` bytes of body that differ by `seed`, and the trailer."""
    return b"%PDF-1.4\n" + bytes([seed % 256]) * size + b"\n%%EOF\n"


def docx_bytes(seed: int = 0) -> bytes:
    """A Word package with its content types and main part (the text differs by `seed`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", f"<w:document><w:t>{seed}</w:t></w:document>")
    return buffer.getvalue()
