"""The admin of lead-to-account matching: RevOps' thresholds, the decisions (read-only, settled
on the match review page), and the leads' "Match to an account" action."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_base import HistoryAdmin, TabularInline
from qualification.matching.records import match_leads
from qualification.models import AccountMatch, AccountMatchCandidate, MatchSettings


@admin.action(description="Match to an account (leads without one)", permissions=["change"])
def match_to_an_account(modeladmin, request, queryset):
    counts = match_leads(
        leads=list(queryset.filter(account__isnull=True).select_related("contact")),
        user=request.user,
    )
    modeladmin.message_user(
        request,
        f"Matched: {counts['linked']} linked, {counts['review']} in match review, "
        f"{counts['new']} new accounts.",
    )


@admin.register(MatchSettings)
class MatchSettingsAdmin(HistoryAdmin):
    """One row: how sure the matcher must be to link, and what breaks ties."""

    list_display = ("__str__", "upper_threshold", "lower_threshold", "tie_breakers")

    def has_add_permission(self, request) -> bool:
        return False  # MatchSettings.load() makes the one row on first use

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AccountMatchCandidateInline(TabularInline):
    model = AccountMatchCandidate
    fields = ("rank", "account", "confidence", "reasons")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountMatch)
class AccountMatchAdmin(HistoryAdmin):
    """The matcher's decisions, read-only: they are settled on the match review page."""

    list_display = ("__str__", "outcome", "account", "confidence", "resolution", "created_at")
    list_filter = ("outcome", "resolution")
    list_select_related = ("account",)
    search_fields = ("company", "domain")
    inlines = (AccountMatchCandidateInline,)
    readonly_fields = (
        "lead",
        "contact",
        "company",
        "domain",
        "country",
        "outcome",
        "account",
        "confidence",
        "reasons",
        "resolution",
        "resolved_by",
        "resolved_at",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
