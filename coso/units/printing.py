"""Documents laid out like Party documents on paper, as PDF (WeasyPrint, shipped fonts).

The one layout of Coso's printed documents (a meeting's minutes, its resolutions, its attendance
sheet, a member's record): the issuing organization on the left of the header (the superior
committee's name above, the unit's name below, "Số: …" under it) and "ĐẢNG CỘNG SẢN VIỆT NAM"
on the right with the place and date in italics under it; the title centred in bold; the body;
signature blocks at the bottom, the last one on the right (on behalf of, post, "(ký tên)",
name). Callers build `Sheet`s (one per document; several make one PDF, a page break between)
and name the template of the body, which sees `sheet` and whatever else they pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coso.core.printing import FONT_FAMILY, font_faces, html_to_pdf
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan

# A place name in a unit's name: "Đảng bộ xã Hoàn Lão" → "Hoàn Lão" (longer words first).
_PLACE = re.compile(
    r"\b(?:thị xã|thị trấn|thành phố|đặc khu|xã|phường|huyện|quận|tỉnh)\s+(\S.*)$", re.IGNORECASE
)


@dataclasses.dataclass(frozen=True)
class Issuer:
    """The header's left side and the place of its date line."""

    superior: str  # the committee above, upper case ("" for a root)
    name: str  # the unit, upper case
    place: str  # "Hoàn Lão" ("" when no name in the unit's line names a place)
    committee: bool  # a Party committee (Đảng bộ…) rather than a branch


@dataclasses.dataclass(frozen=True)
class Signature:
    post: str  # "BÍ THƯ", "THƯ KÝ"
    name: str = ""  # left blank for a hand-written name
    on_behalf: str = ""  # "T/M CHI BỘ"


@dataclasses.dataclass
class Sheet:
    issuer: Issuer
    day: dt.date
    title: str
    number: str = ""  # after "Số: "; blank: dots to fill in by hand
    subtitle: str = ""
    signatures: list[Signature] = dataclasses.field(default_factory=list)
    data: Any = None  # for the body template
    number_label: str = ""  # "Số" unless given


def place_of(names: list[str]) -> str:
    """The first place named in `names` (the unit's, then its ancestors' upwards)."""
    for name in names:
        found = _PLACE.search(name.strip())
        if found:
            return found.group(1).strip()
    return ""


def issuer_of(unit: Unit, day: dt.date) -> Issuer:
    """Who issues a document of `unit` dated `day`: its name and its superior's on that day
    (for a unit ended before it, on its last day). Two queries, whatever the tree."""
    spans = list(UnitSpan.objects.filter(unit=unit).order_by("valid_from"))
    current = next((s for s in spans if s.valid_from <= day < s.valid_to), None)
    if current is None:
        before = [s for s in spans if s.valid_from <= day]
        current = before[-1] if before else spans[0]
    when = min(max(day, current.valid_from), current.valid_to - dt.timedelta(days=1))
    ids = [int(p) for p in current.path.strip("/").split("/") if p][:-1]  # root … parent
    above = {
        s.unit_id: s.name
        for s in UnitSpan.objects.filter(unit_id__in=ids, valid_from__lte=when, valid_to__gt=when)
    }
    chain = [current.name] + [above[i] for i in reversed(ids) if i in above]
    superior = above.get(current.parent_id, "") if current.parent_id else ""
    return Issuer(
        superior=superior.upper(),
        name=current.name.upper(),
        place=place_of(chain),
        committee=current.kind not in (*HOME_KINDS, UnitKind.GROUP),
    )


def on_behalf_of(issuer: Issuer) -> str:
    return _("T/M ĐẢNG ỦY") if issuer.committee else _("T/M CHI BỘ")


def date_line(place: str, day: dt.date) -> str:
    """ "Đồng Hới, ngày 05 tháng 12 năm 2026" (without a place, the date alone)."""
    when = _("ngày %(d)s tháng %(m)s năm %(y)s") % {
        "d": f"{day.day:02d}",
        "m": f"{day.month:02d}",
        "y": day.year,
    }
    return f"{place}, {when}" if place else when[:1].upper() + when[1:]


def render_pdf(body_template: str, sheets: list[Sheet], **context: Any) -> bytes:
    """The sheets as one PDF in the Party layout, each body from `body_template`."""
    html = render_to_string(
        "units/pdf/document.html",
        {
            "sheets": [
                (sheet, date_line(sheet.issuer.place, sheet.day), sheet.number_label or _("Số"))
                for sheet in sheets
            ],
            "body_template": body_template,
            "lang": get_language() or "vi",
            **context,
        },
    )
    return html_to_pdf(html, stylesheet())


def stylesheet() -> str:
    """The documents' stylesheet (units/pdf/document.css), the same text for every document so
    that it is parsed once per process."""
    return render_to_string(
        "units/pdf/document.css", {"font_faces": font_faces(), "font_family": FONT_FAMILY}
    )
