"""When a second factor (TOTP) is needed, and the QR code to enrol one."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django_otp import user_has_device

from coso.accounts.models import Role, RoleKind, SiteSettings


def totp_required(user: Any) -> bool:
    """A user with a confirmed device always verifies it; officers must have one if so set."""
    if user is None or not user.is_authenticated:
        return False
    if user_has_device(user, confirmed=True):
        return True
    return (
        SiteSettings.current().totp_required_for_officers
        and Role.objects.filter(user=user, kind=RoleKind.ORG_OFFICER).exists()
    )


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup (no image request, nothing for CSP to block)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes = image.to_string()
    return svg.decode().replace("<svg ", '<svg role="img" aria-label="QR" ', 1)
