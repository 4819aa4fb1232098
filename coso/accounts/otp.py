"""The administrator's switch for officers' second factor (TOTP), and the QR code to enrol one.

Who must use it is a scope question: coso.authority.scope.totp_required."""

from __future__ import annotations

import qrcode
import qrcode.image.svg

from coso.accounts.models import SiteSettings


def officers_need_totp() -> bool:
    """The administrator's switch (read live: only officers' requests ask)."""
    value = SiteSettings.objects.filter(pk=1).values_list("totp_required_for_officers", flat=True)
    return bool(value.first())


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup (no image request, nothing for CSP to block)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes = image.to_string()
    return svg.decode().replace("<svg ", '<svg role="img" aria-label="QR" ', 1)
