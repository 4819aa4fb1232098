from django.contrib import admin

from coso.core.models import Decision, RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "effective_from", "source", "confidence"]
    list_filter = ["code", "confidence"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["number", "signed_on", "issuer"]
    search_fields = ["number", "title"]
