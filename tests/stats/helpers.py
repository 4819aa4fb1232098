"""Small trees and members written directly as rows (the member operations are not used)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

from coso.core.dates import FAR_FUTURE
from coso.members.models import Member, MemberSpan
from coso.stats.tally import refresh_days
from coso.units.models import Unit
from coso.units.operations import create_unit

D = dt.date
START = D(2019, 1, 1)
_ids = itertools.count(1)


def unit(
    code: str, kind: str, parent: Unit | None, on: dt.date = START, tags: Iterable[str] = ()
) -> Unit:
    return create_unit(code=code, name=f"Đơn vị {code}", kind=kind, parent=parent, on=on, tags=tags)


Span = tuple[Unit, dt.date, dt.date] | tuple[Unit, dt.date, dt.date, str]


def member(
    spans: list[Span],
    status: str = "official",
    exempt: bool = False,
    in_transit: bool = False,
) -> Member:
    """A member with consecutive home spans; a span's 4th item overrides `status`."""
    last = spans[-1]
    m = Member.objects.create(
        member_id=f"M{next(_ids):07d}",
        full_name="Nguyễn Văn A",
        gender="male",
        birth_date=D(1980, 1, 1),
        status=status if last[2] == FAR_FUTURE else "left",
        home_unit=last[0],
    )
    MemberSpan.objects.bulk_create(
        MemberSpan(
            member=m,
            unit=u,
            valid_from=a,
            valid_to=b,
            status=s[3] if len(s) == 4 else status,
            exempt=exempt,
            in_transit=in_transit,
        )
        for s in spans
        for u, a, b in [s[:3]]
    )
    refresh_days([d for s in spans for d in (s[1], s[2])], units={s[0].pk for s in spans})
    return m


def home(u: Unit, start: dt.date = START, end: dt.date = FAR_FUTURE, **kw: object) -> Member:
    return member([(u, start, end)], **kw)  # type: ignore[arg-type]
