"""The secret key kept under the data directory, for servers started without COSO_SECRET_KEY.

Read by coso/settings.py (so it imports nothing of Django's models); `coso serve` creates the
file on first start. The file is written readable by its owner only, through a temporary file
renamed into place, so that two processes starting at once never read half a key.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

# The key of a development checkout: public (it is in the source), so never for a server.
DEV_SECRET_KEY = "insecure-dev-key-change-me-in-production"
FILE_NAME = "secret_key"
MIN_LENGTH = 50


def read_secret_key(path: Path) -> str | None:
    """The key kept in `path`, or None if there is none (missing or empty file)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return text or None


def create_secret_key(path: Path) -> str:
    """The key in `path`, made now (mode 0600) if there is none yet."""
    existing = read_secret_key(path)
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        # Another process may have made one meanwhile: keep the first, so every process agrees.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return read_secret_key(path) or key


def loose_permissions(path: Path) -> bool:
    """Whether anyone but the owner may read or write the key file."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


__all__ = [
    "DEV_SECRET_KEY",
    "FILE_NAME",
    "MIN_LENGTH",
    "create_secret_key",
    "loose_permissions",
    "read_secret_key",
]
