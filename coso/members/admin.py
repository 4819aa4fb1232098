from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from coso.audit.log import record_sensitive_view
from coso.core.history_admin import HistoryAdmin
from coso.members.models import Member, MemberEvent, MemberEventKind, MemberSpan

# What the admin's member page shows of the sensitive fields (all of the record is shown).
MEMBER_SENSITIVE = ("national_id", "ethnicity", "religion")


class MemberSpanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MemberSpan
    fk_name = "member"
    fields = ["valid_from", "valid_to", "unit", "group", "status", "exempt", "in_transit"]
    readonly_fields = ["valid_from", "valid_to", "unit", "group", "status", "exempt", "in_transit"]
    extra = 0
    can_delete = False


class SensitiveReadAdmin(HistoryAdmin):
    """A record page that shows sensitive fields logs the read, as the pages and the API do.

    Only the record page: the lists show none of these fields. render_change_form runs once per
    page shown (not on a refused or redirected request), so one read is one entry.
    """

    def sensitive_read(self, obj: Any) -> tuple[Member, tuple[str, ...]] | None:
        """Whose sensitive fields the record page shows, and which (None: nothing sensitive)."""
        return None

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        response: HttpResponse = super().render_change_form(
            request, context, add, change, form_url, obj
        )
        read = self.sensitive_read(obj) if obj is not None else None
        if read is not None:
            record_sensitive_view(request, *read)
        return response


@admin.register(Member)
class MemberAdmin(SensitiveReadAdmin):
    list_display = ["member_id", "full_name", "status", "home_unit", "exempt", "in_transit"]
    list_filter = ["status", "exempt", "in_transit"]
    search_fields = ["member_id", "search_name", "card_no"]
    inlines = [MemberSpanInline]

    def sensitive_read(self, obj: Any) -> tuple[Member, tuple[str, ...]] | None:
        return obj, MEMBER_SENSITIVE


@admin.register(MemberEvent)
class MemberEventAdmin(SensitiveReadAdmin):
    list_display = ["effective_on", "kind", "member", "unit", "decision"]
    list_filter = ["kind"]
    search_fields = ["member__member_id", "decision__number"]

    def sensitive_read(self, obj: Any) -> tuple[Member, tuple[str, ...]] | None:
        # An exemption's details give its reason: age and weak health, or illness.
        return (obj.member, ("health",)) if obj.kind == MemberEventKind.EXEMPT else None
