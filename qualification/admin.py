"""The admin is where RevOps tunes segments, reason codes, frameworks and scoring rules
without code.

It never moves a lead between stages: `Lead.stage` and the timers and exit evidence that go with
it are read-only here, because only `qualification.transitions.transition_lead` may write them;
scores, bands and tier too, which only the scoring statement writes. Every change to a
history-tracked row asks for a reason (`accounts.admin_base`), so rules are edited on their own
page, not in the list.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q

from accounts.admin_base import AdminForm, HistoryAdmin, HistoryAdminForm, ModelAdmin, TabularInline
from qualification import admin_enrichment  # noqa: F401  (registers enrichment's pages)
from qualification.admin_matching import match_to_an_account
from qualification.duplicates.detection import detect_duplicates
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    FrameworkItem,
    IcpRule,
    IcpSettings,
    ImportJob,
    ImportRow,
    IntakeRequest,
    IntakeSource,
    Lead,
    ReasonCode,
    ScoringRule,
    Segment,
    SlaBreachNotice,
    StageTransition,
)

# What each model's __str__ reads, so select widgets and labels cost one query, not one per row.
_LABEL_RELATIONS = {
    Lead: ("contact", "segment"),
    FrameworkItem: ("framework",),
    Checklist: ("framework",),
}


class LabelRelationsMixin:
    """Select the relations a related object's label needs, in widgets and in get_queryset."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = _LABEL_RELATIONS.get(db_field.related_model)
        if related and "queryset" not in kwargs:
            kwargs["queryset"] = db_field.related_model._default_manager.select_related(*related)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        related = _LABEL_RELATIONS.get(self.model)
        if not related:
            return queryset
        # The changelist skips list_select_related once a select_related is set: merge them.
        listed = getattr(self, "list_select_related", ())
        listed = listed if isinstance(listed, list | tuple) else ()
        return queryset.select_related(*related, *listed)


class RecordAdmin(ModelAdmin):
    """A log written by a job: the admin shows it and never adds, edits or deletes it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Definitions RevOps owns ------------------------------------------------------------------


class SegmentAdminForm(HistoryAdminForm):
    class Meta:
        model = Segment
        fields = ("time_zone",)  # the admin adds the other fields from its fieldsets
        labels = {
            "mql_threshold": "MQL threshold",
            "sla_first_touch_hours": "SLA: first touch (business hours)",
            "sla_first_meeting_hours": "SLA: first meeting (hours)",
            "sdrs": "SDRs",
        }

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(
                "Use an IANA time zone name, such as Europe/London or America/New_York."
            ) from error
        return value


@admin.register(Segment)
class SegmentAdmin(HistoryAdmin):
    form = SegmentAdminForm
    list_display = (
        "name",
        "slug",
        "mql_threshold",
        "nurture_floor",
        "sla_first_touch_hours",
        "sla_first_meeting_hours",
        "business_day_start",
        "business_day_end",
        "time_zone",
    )
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("sdrs",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "description")}),
        (
            "Thresholds",
            {
                "fields": ("mql_threshold", "nurture_floor"),
                "description": "Scores run 0–100. Between the floor and the threshold a lead goes "
                "to manual review.",
            },
        ),
        (
            "SLA and business hours",
            {
                "fields": (
                    "sla_first_touch_hours",
                    "sla_first_meeting_hours",
                    "business_day_start",
                    "business_day_end",
                    "time_zone",
                ),
            },
        ),
        ("Recycling and staleness", {"fields": ("nurture_recycle_days", "stale_after_days")}),
        ("Coverage", {"fields": ("territories", "sdrs")}),
    )


@admin.register(ReasonCode)
class ReasonCodeAdmin(HistoryAdmin):
    list_display = (
        "label",
        "code",
        "for_rejection",
        "for_disqualification",
        "for_lost",
        "requires_recycle_date",
        "requires_linked_lead",
        "active",
        "position",
    )
    list_filter = ("active", "for_rejection", "for_disqualification", "for_lost")
    search_fields = ("code", "label")

    def get_readonly_fields(self, request, obj=None):
        # The transition table and past StageTransitions refer to codes ("timing"): a code is
        # fixed once created; retire it with `active` instead.
        return ("code",) if obj is not None else ()


class FrameworkItemInline(TabularInline):
    model = FrameworkItem
    fields = ("position", "key", "label", "required_for_sql", "prompt", "confirmed_means")
    extra = 0
    formfield_overrides = {
        # Keep the inline rows short; the full text is one click away in the item's own page.
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 28})},
    }


@admin.register(Framework)
class FrameworkAdmin(HistoryAdmin):
    list_display = ("name", "key", "active", "item_count", "required_count")
    list_filter = ("active",)
    search_fields = ("name", "key")
    inlines = (FrameworkItemInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                required_count=Count("items", filter=Q(items__required_for_sql=True)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj is not None else ()

    @admin.display(description="items", ordering="item_count")
    def item_count(self, framework: Framework) -> int:
        return framework.item_count

    @admin.display(description="required for SQL", ordering="required_count")
    def required_count(self, framework: Framework) -> int:
        return framework.required_count


@admin.register(FrameworkItem)
class FrameworkItemAdmin(LabelRelationsMixin, HistoryAdmin):
    list_display = ("label", "framework", "key", "required_for_sql", "position")
    list_filter = ("framework", "required_for_sql")
    search_fields = ("label", "key", "framework__name")
    list_select_related = ("framework",)


# Leads and their records -------------------------------------------------------------------


class StageTransitionInline(TabularInline):
    """The lead's stage history, shown on the lead's page; it is written only by transitions."""

    model = StageTransition
    fields = ("occurred_at", "from_stage", "to_stage", "name", "acted_by", "reason_code", "note")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "reason_code")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(LabelRelationsMixin, HistoryAdmin):
    list_display = (
        "__str__",
        "account",
        "stage",
        "fit_tier",
        "intent_score",
        "intent_band",
        "source",
        "owner",
        "sla_due_at",
        "manual_review",
    )
    list_filter = (
        "stage",
        "segment",
        "fit_tier",
        "intent_band",
        "source",
        "motion",
        "manual_review",
    )
    search_fields = (
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "account__name",
        "account__domain",
    )
    list_select_related = ("contact", "account", "segment", "owner")
    autocomplete_fields = ("contact", "account")
    actions = (match_to_an_account,)
    date_hierarchy = "created_at"
    # One writer per fact: the stage, its timers and the exit evidence the check constraints tie
    # to it are written by transition_lead, which also writes the StageTransition audit row; the
    # tier, scores, bands and the manual-review flag by the scoring statement and stage rules.
    readonly_fields = (
        "fit_tier",
        "intent_score",
        "intent_band",
        "score_explanation",
        "scored_at",
        "manual_review",
        "stage",
        "stage_entered_at",
        "sla_due_at",
        "first_touch_at",
        "reason_code",
        "recycle_on",
        "duplicate_of",
        "created_at",
        "updated_at",
        "last_activity_at",
    )
    fieldsets = (
        (None, {"fields": ("contact", "account", "segment", "owner")}),
        (
            "Lifecycle (changed only through transitions)",
            {
                "fields": (
                    "stage",
                    "stage_entered_at",
                    "sla_due_at",
                    "first_touch_at",
                    "reason_code",
                    "recycle_on",
                    "duplicate_of",
                ),
            },
        ),
        (
            "Source and score (scores change only through scoring)",
            {
                "fields": (
                    "source",
                    "motion",
                    "fit_tier",
                    "fit_override",
                    "intent_score",
                    "intent_band",
                    "score_explanation",
                    "scored_at",
                    "manual_review",
                    "form_answers",
                    "last_activity_at",
                ),
            },
        ),
        ("Next step", {"fields": ("next_action", "next_action_due")}),
        (
            "Discovery and opportunity",
            {
                "fields": (
                    "next_meeting_on",
                    "single_thread_override",
                    "amount_estimate",
                    "expected_close_date",
                    "mutual_next_step",
                ),
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (StageTransitionInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The one detection every path runs: a lead edited here finds its duplicates now.
        detect_duplicates(lead_ids=[obj.pk], reason="Detection after an edit in the admin")

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting would restore an old stage and timers without a transition.
        if request.method == "POST":
            raise PermissionDenied("Leads change stage only through transitions.")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(StageTransition)
class StageTransitionAdmin(RecordAdmin):
    """The audit trail: readable by whoever may view it, never written here."""

    list_display = (
        "occurred_at",
        "lead",
        "from_stage",
        "to_stage",
        "name",
        "time_in_stage",
        "acted_by",
        "reason_code",
    )
    list_filter = ("to_stage", "from_stage", "name", "reason_code")
    search_fields = ("lead__contact__email", "lead__contact__last_name", "rule", "note")
    list_select_related = ("lead__contact", "lead__segment", "actor", "reason_code")
    date_hierarchy = "occurred_at"


@admin.register(Activity)
class ActivityAdmin(LabelRelationsMixin, ModelAdmin):
    list_display = ("occurred_at", "kind", "contact", "lead", "actor", "detail")
    list_filter = ("kind",)
    search_fields = ("contact__email", "contact__last_name", "detail")
    list_select_related = ("contact", "lead__contact", "lead__segment", "actor")
    autocomplete_fields = ("contact", "lead")
    date_hierarchy = "occurred_at"


class ChecklistAnswerInline(LabelRelationsMixin, TabularInline):
    model = ChecklistAnswer
    fields = ("item", "status", "answer", "evidence")
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(LabelRelationsMixin, ModelAdmin):
    list_display = ("__str__", "lead", "framework", "created_at")
    list_filter = ("framework",)
    search_fields = ("lead__contact__email", "lead__contact__last_name", "framework__name")
    list_select_related = ("lead__contact", "lead__segment", "framework")
    autocomplete_fields = ("lead",)
    inlines = (ChecklistAnswerInline,)


@admin.register(ChecklistAnswer)
class ChecklistAnswerAdmin(LabelRelationsMixin, HistoryAdmin):
    list_display = ("item", "lead", "status", "updated_at")
    list_filter = ("status", "item__framework")
    search_fields = ("checklist__lead__contact__email", "item__label", "answer")
    list_select_related = (
        "item__framework",
        "checklist__framework",
        "checklist__lead__contact",
        "checklist__lead__segment",
    )
    autocomplete_fields = ("checklist",)

    @admin.display(description="lead", ordering="checklist__lead")
    def lead(self, answer: ChecklistAnswer) -> Lead:
        return answer.checklist.lead


@admin.register(DiscoveryNote)
class DiscoveryNoteAdmin(LabelRelationsMixin, ModelAdmin):
    list_display = ("created_at", "lead", "author", "excerpt")
    search_fields = ("lead__contact__email", "lead__contact__last_name", "body")
    list_select_related = ("lead__contact", "lead__segment", "author")
    autocomplete_fields = ("lead",)
    date_hierarchy = "created_at"

    @admin.display(description="note")
    def excerpt(self, note: DiscoveryNote) -> str:
        return note.body if len(note.body) <= 80 else note.body[:79] + "…"


# Scoring rules RevOps owns ---------------------------------------------------------------


@admin.register(IcpSettings)
class IcpSettingsAdmin(HistoryAdmin):
    """One row: the fit points each tier needs."""

    list_display = ("__str__", "tier_a_min_points", "tier_b_min_points")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not IcpSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IcpRule)
class IcpRuleAdmin(HistoryAdmin):
    list_display = (
        "name",
        "attribute",
        "match",
        "values",
        "min_value",
        "max_value",
        "points",
        "exclusion",
        "active",
        "position",
    )
    list_filter = ("attribute", "exclusion", "active")
    search_fields = ("name",)


@admin.register(ScoringRule)
class ScoringRuleAdmin(HistoryAdmin):
    list_display = (
        "name",
        "kind",
        "value",
        "points",
        "half_life_days",
        "max_occurrences",
        "buying_work",
        "active",
    )
    list_filter = ("kind", "buying_work", "active")
    search_fields = ("name", "value")


# Records the jobs and intake write: readable here, written only by their code -------------


@admin.register(SlaBreachNotice)
class SlaBreachNoticeAdmin(RecordAdmin):
    list_display = ("notified_at", "lead", "stage", "sla_due_at")
    list_filter = ("stage",)
    search_fields = ("lead__contact__email", "lead__contact__last_name")
    list_select_related = ("lead__contact", "lead__segment")
    date_hierarchy = "notified_at"


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = (
        "__str__",
        "status",
        "segment",
        "uploaded_by",
        "total_rows",
        "processed_rows",
        "created_count",
        "merged_count",
        "unchanged_count",
        "refused_count",
        "created_at",
    )
    list_filter = ("status", "segment")
    search_fields = ("original_name", "source_system")
    list_select_related = ("segment", "uploaded_by")
    date_hierarchy = "created_at"


@admin.register(ImportRow)
class ImportRowAdmin(RecordAdmin):
    list_display = ("job", "row_number", "outcome", "message", "lead")
    list_filter = ("outcome",)
    search_fields = ("message", "job__original_name")
    list_select_related = ("job", "lead__contact", "lead__segment")


class IntakeSourceForm(AdminForm):
    activity_kinds = forms.MultipleChoiceField(
        choices=Activity.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Activity kinds it may send",
        help_text="Anything else it sends is refused. Sales touches (calls, emails sent, "
        "meetings) are off by default: a web form does not have them, and they score a lead up.",
        error_messages={"required": "Choose at least one kind, or deactivate the source."},
    )

    class Meta:
        model = IntakeSource
        fields = ("name", "segment", "default_source", "activity_kinds", "active")


@admin.register(IntakeSource)
class IntakeSourceAdmin(ModelAdmin):
    form = IntakeSourceForm
    list_display = ("name", "segment", "default_source", "active", "created_at")
    list_filter = ("active", "segment")
    search_fields = ("name",)
    list_select_related = ("segment",)
    readonly_fields = ("created_at",)

    def has_add_permission(self, request) -> bool:
        # A source is only usable with its token, which the admin cannot issue; rename,
        # re-route or deactivate sources here.
        return False


@admin.register(IntakeRequest)
class IntakeRequestAdmin(RecordAdmin):
    list_display = ("created_at", "source", "idempotency_key", "outcome", "lead")
    list_filter = ("outcome", "source")
    search_fields = ("idempotency_key",)
    list_select_related = ("source", "lead__contact", "lead__segment")
    date_hierarchy = "created_at"
