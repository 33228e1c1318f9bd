"""The admin pages of enrichment: the providers' order and write policies RevOps edits, what
`load_firmographics` loaded, and the runs over every account (registered from admin.py)."""

from django.contrib import admin

from accounts.admin_base import HistoryAdmin, ModelAdmin
from qualification.models import EnrichmentRun, EnrichmentSettings, FirmographicRecord

# Enrichment RevOps owns --------------------------------------------------------------------


@admin.register(EnrichmentSettings)
class EnrichmentSettingsAdmin(HistoryAdmin):
    """One row: the providers in the order they are tried, and each field's write policy."""

    list_display = (
        "__str__",
        "industry_policy",
        "employee_count_policy",
        "annual_revenue_policy",
        "country_policy",
    )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not EnrichmentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FirmographicRecord)
class FirmographicRecordAdmin(ModelAdmin):
    """What `load_firmographics` loaded: read here, changed by loading the file again."""

    list_display = (
        "name",
        "source",
        "domain",
        "industry",
        "employee_count",
        "annual_revenue",
        "country",
        "line",
        "loaded_at",
    )
    list_filter = ("source",)
    search_fields = ("name", "domain")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EnrichmentRun)
class EnrichmentRunAdmin(ModelAdmin):
    """Runs of `manage.py enrich_accounts` and the enrichment task, with what they wrote."""

    list_display = (
        "__str__",
        "status",
        "created_at",
        "finished_at",
        "accounts_seen",
        "accounts_changed",
        "fields_written",
        "accounts_retiered",
    )
    list_filter = ("status",)
    list_select_related = ("started_by",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
