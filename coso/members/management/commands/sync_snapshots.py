import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Q

from coso.core.dates import parse_date, today
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.members.operations import sync_snapshot


def members_to_resync(since: dt.date, until: dt.date) -> list[int]:
    """Members whose spans or events take effect in (since, until]: their snapshot may be stale.

    A decision recorded ahead of its effective date leaves the snapshot describing the day it was
    recorded; once the date arrives the snapshot must be rewritten from the spans.
    """
    window = Q(valid_from__gt=since, valid_from__lte=until) | Q(
        valid_to__gt=since, valid_to__lte=until
    )
    ids = set(MemberSpan.objects.filter(window).values_list("member_id", flat=True))
    ids |= set(
        MemberEvent.objects.filter(effective_on__gt=since, effective_on__lte=until).values_list(
            "member_id", flat=True
        )
    )
    return sorted(ids)


class Command(BaseCommand):
    help = (
        "Cập nhật trạng thái hiện tại của các đảng viên có quyết định vừa đến ngày hiệu lực "
        "(chạy hằng ngày). Rewrite today's status of members whose dated changes took effect "
        "since --since (default: 7 days ago); run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="YYYY-MM-DD hoặc DD/MM/YYYY (mặc định: 7 ngày trước)")

    def handle(self, *args: Any, **options: Any) -> None:
        until = today()
        since = parse_date(options["since"]) if options["since"] else until - dt.timedelta(days=7)
        ids = members_to_resync(since, until)
        with transaction.atomic():
            for member in Member.objects.filter(pk__in=ids).iterator():
                sync_snapshot(member)
        self.stdout.write(
            f"Đã cập nhật {len(ids)} đảng viên có thay đổi từ sau ngày {since:%d/%m/%Y}."
        )
