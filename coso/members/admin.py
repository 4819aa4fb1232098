from django.contrib import admin

from coso.core.history_admin import HistoryAdmin
from coso.members.models import Member, MemberEvent, MemberSpan


class MemberSpanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MemberSpan
    fk_name = "member"
    fields = ["valid_from", "valid_to", "unit", "group", "status", "exempt", "in_transit"]
    readonly_fields = ["valid_from", "valid_to", "unit", "group", "status", "exempt", "in_transit"]
    extra = 0
    can_delete = False


@admin.register(Member)
class MemberAdmin(HistoryAdmin):
    list_display = ["member_id", "full_name", "status", "home_unit", "exempt", "in_transit"]
    list_filter = ["status", "exempt", "in_transit"]
    search_fields = ["member_id", "search_name", "card_no"]
    inlines = [MemberSpanInline]


@admin.register(MemberEvent)
class MemberEventAdmin(HistoryAdmin):
    list_display = ["effective_on", "kind", "member", "unit", "decision"]
    list_filter = ["kind"]
    search_fields = ["member__member_id", "decision__number"]
