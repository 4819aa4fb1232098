"""What `coso serve` checks before it starts: a secret key of its own, and which mode it is in.

The server never runs with the public development key: without COSO_SECRET_KEY it makes one on
first start under VAR_DIR (readable by its owner only) and keeps it, so sessions survive a
restart and `make demo` stays one command. It then says whether it serves plain HTTP (this
machine or a trusted network) or HTTPS behind a proxy (secure cookies, HSTS).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from coso.core import secret_key


def ensure_secret_key() -> str:
    """A line saying where the key comes from; makes and keeps one if the server has none."""
    key = str(settings.SECRET_KEY or "")
    path = Path(settings.VAR_DIR) / secret_key.FILE_NAME
    if key == secret_key.DEV_SECRET_KEY:
        if os.environ.get("COSO_SECRET_KEY", "") == key:
            raise CommandError(
                "COSO_SECRET_KEY là khóa công khai của bản phát triển: đặt một khóa bí mật riêng "
                "hoặc bỏ biến này để máy chủ tự tạo / the public development key: set a secret "
                "one, or unset it to have one made."
            )
        try:
            key = secret_key.create_secret_key(path)
        except OSError as exc:
            raise CommandError(
                f"Không ghi được khóa bí mật vào {path}: {exc} / cannot keep a secret key"
            ) from exc
        settings.SECRET_KEY = key
        return f"Khóa bí mật / secret key: {path} (chỉ chủ sở hữu đọc được / owner only)"
    if len(key) < secret_key.MIN_LENGTH:
        raise CommandError(
            f"Khóa bí mật chỉ có {len(key)} ký tự, cần ít nhất {secret_key.MIN_LENGTH} "
            f"/ the secret key is too short."
        )
    if secret_key.read_secret_key(path) == key:
        if secret_key.loose_permissions(path):
            path.chmod(0o600)
            return f"Khóa bí mật / secret key: {path} (đã sửa quyền thành 0600 / mode fixed)"
        return f"Khóa bí mật / secret key: {path}"
    return "Khóa bí mật / secret key: COSO_SECRET_KEY"


def security_mode() -> str:
    """One line: how the server is reached and what protects the session."""
    if getattr(settings, "HTTPS", False):
        header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        behind = (
            f"sau proxy, tiêu đề {header[0][5:].replace('_', '-').title()} / behind a proxy"
            if header
            else "TLS tại máy chủ / TLS at the server"
        )
        return (
            f"Chế độ / mode: HTTPS ({behind}); cookie an toàn / secure cookies, "
            f"HSTS {settings.SECURE_HSTS_SECONDS} s, "
            f"chuyển hướng HTTPS / HTTPS redirect: {'có' if settings.SECURE_SSL_REDIRECT else 'không'}"
        )
    return (
        "Chế độ / mode: HTTP thường, chỉ dùng trên máy này hoặc mạng tin cậy; sau proxy HTTPS "
        "đặt COSO_HTTPS=1 / plain HTTP, for this machine or a trusted network; behind an HTTPS "
        "proxy set COSO_HTTPS=1"
    )


def startup_checks() -> list[str]:
    """The lines `coso serve` prints before starting; CommandError if it must not start."""
    return [ensure_secret_key(), security_mode()]


__all__ = ["ensure_secret_key", "security_mode", "startup_checks"]
