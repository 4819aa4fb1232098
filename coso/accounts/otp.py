"""When a second factor (TOTP) is needed, and the QR code to enrol one."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django_otp import user_has_device

from coso.accounts.models import RoleKind, SiteSettings

_NO_DEVICE = "coso_otp_no_device"


def officers_need_totp() -> bool:
    """The administrator's switch (read live: only officers' requests ask)."""
    value = SiteSettings.objects.filter(pk=1).values_list("totp_required_for_officers", flat=True)
    return bool(value.first())


def totp_required(user: Any, session: Any = None) -> bool:
    """A user with a confirmed device always verifies it; officers must have one if so set.

    "No device" is remembered in the session: devices are enrolled through the setup page,
    which verifies the session at once, so the answer cannot go stale in a harmful way.
    """
    from coso.authority.scope import scope_of

    if user is None or not user.is_authenticated:
        return False
    if session is None or not session.get(_NO_DEVICE):
        if user_has_device(user, confirmed=True):
            return True
        if session is not None:
            session[_NO_DEVICE] = True
    # The scope is cached on the user for the request, and the pages need it anyway.
    return RoleKind.ORG_OFFICER in scope_of(user).role_units and officers_need_totp()


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup (no image request, nothing for CSP to block)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes = image.to_string()
    return svg.decode().replace("<svg ", '<svg role="img" aria-label="QR" ', 1)
