from django.contrib import admin

from coso.core.history_admin import HistoryAdmin
from coso.units.models import Unit, UnitEvent, UnitSpan


class UnitSpanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = UnitSpan
    fk_name = "unit"
    fields = ["valid_from", "valid_to", "name", "kind", "parent", "tags"]
    readonly_fields = ["valid_from", "valid_to", "name", "kind", "parent", "tags"]
    extra = 0
    can_delete = False


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    list_display = ["code", "valid_from", "valid_to"]
    search_fields = ["code", "spans__name"]
    inlines = [UnitSpanInline]


@admin.register(UnitEvent)
class UnitEventAdmin(HistoryAdmin):
    list_display = ["effective_on", "kind", "unit", "other", "decision"]
    list_filter = ["kind"]
    search_fields = ["unit__code", "decision__number"]
