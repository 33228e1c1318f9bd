"""Leads and what they belong to: stages, segments, reason codes."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Account, Contact, IcpTier


class Stage(models.TextChoices):
    NEW = "new", "New"
    MQL = "mql", "MQL"
    SAL = "sal", "SAL"
    SQL = "sql", "SQL"
    OPPORTUNITY = "opportunity", "Opportunity"
    NURTURE = "nurture", "Nurture"
    DISQUALIFIED = "disqualified", "Disqualified"


OPEN_STAGES = frozenset({Stage.NEW, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY})


OWNED_STAGES = frozenset({Stage.SAL, Stage.SQL, Stage.OPPORTUNITY})


class Segment(models.Model):
    """A product line or motion with its own thresholds, SLAs and business hours."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    mql_threshold = models.PositiveSmallIntegerField(
        "MQL threshold",
        default=70,
        help_text="Intent score at or over which a fit lead becomes an MQL.",
    )
    nurture_floor = models.PositiveSmallIntegerField(
        default=40, help_text="Under this score a lead goes to nurture; between is manual review."
    )
    sla_first_touch_hours = models.PositiveSmallIntegerField(
        default=4, help_text="Business hours an SDR has to accept or reject an MQL."
    )
    sla_first_meeting_hours = models.PositiveSmallIntegerField(
        default=48, help_text="Hours from SQL to the first meeting."
    )
    business_day_start = models.TimeField(default=dt.time(9, 0))
    business_day_end = models.TimeField(default=dt.time(17, 0))
    time_zone = models.CharField(max_length=64, default="Europe/London")
    nurture_recycle_days = models.PositiveSmallIntegerField(
        default=90, help_text="When the rules park a low-intent lead, look again after …"
    )
    stale_after_days = models.PositiveSmallIntegerField(
        default=14, help_text="An open lead with no activity or stage change for … is stale."
    )
    territories = models.JSONField(
        default=list, blank=True, help_text="Territories this segment's SDRs cover."
    )
    sdrs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="segments",
        help_text="SDRs who work this segment's queue.",
    )

    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nurture_floor__lte=models.F("mql_threshold"), mql_threshold__lte=100),
                name="segment_floor_below_threshold",
                violation_error_message="The nurture floor cannot be over the MQL threshold, "
                "and the threshold cannot be over 100.",
            ),
            models.CheckConstraint(
                condition=Q(business_day_start__lt=models.F("business_day_end")),
                name="segment_business_day_ordered",
                violation_error_message="The business day must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReasonCode(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    for_rejection = models.BooleanField(default=True, help_text="An SDR may reject an MQL with it.")
    for_disqualification = models.BooleanField(default=True)
    for_lost = models.BooleanField(default=False, help_text="Applies to lost opportunities.")
    requires_recycle_date = models.BooleanField(default=False)
    requires_linked_lead = models.BooleanField(
        default=False, help_text="The surviving lead must be named (duplicates)."
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Source(models.TextChoices):
    FORM = "form", "Web form"
    DEMO_REQUEST = "demo_request", "Demo request"
    WEBINAR = "webinar", "Webinar"
    CONTENT = "content", "Content"
    LIST_IMPORT = "list_import", "List import"
    OUTBOUND = "outbound", "Outbound"
    PARTNER = "partner", "Partner"
    EVENT = "event", "Event"
    PRODUCT_SIGNUP = "product_signup", "Product signup"


class Motion(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    PRODUCT_LED = "product_led", "Product-led"


class IntentBand(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class LeadQuerySet(models.QuerySet):
    def open(self):
        return self.filter(stage__in=OPEN_STAGES)

    def with_brief(self):
        """What a row of any lead list shows, in one query."""
        return self.select_related("contact", "account", "segment", "owner", "reason_code")

    def sal_queue(self):
        return self.filter(stage=Stage.MQL).with_brief().order_by("sla_due_at", "pk")

    def queue_rows(self):
        """Only the columns a row of the SAL queue shows: a page of rows joined over five wide
        tables costs more to load than to find. (A template reading another column would cost
        a query per row; the queue's query-count test catches that.)"""
        return self.only(
            *("contact", "account", "segment", "owner", "reason_code", "source", "motion"),
            *("stage", "fit_tier", "intent_score", "intent_band", "score_explanation"),
            *("form_answers", "next_action", "sla_due_at", "duplicate_of"),
            "contact__first_name",
            "contact__last_name",
            "contact__email",
            "contact__title",
            "contact__persona_function",
            "contact__persona_seniority",
            "account__name",
            "account__territory",
            "segment__name",
            "segment__business_day_start",
            "segment__business_day_end",
            "segment__time_zone",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            "reason_code__label",
        )


class Lead(models.Model):
    """One qualification record: a contact's interest in one segment (product line).

    `stage` is written only by qualification.transitions.transition_lead.
    """

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="leads")
    # account and owner lead the composite indexes in Meta, which serve their lookups and
    # foreign-key checks too: an index of their own would only slow every write.
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="leads")
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    motion = models.CharField(max_length=20, choices=Motion.choices, default=Motion.INBOUND)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
        db_index=False,
    )
    fit_tier = models.CharField(max_length=3, choices=IcpTier.choices, blank=True)
    fit_override = models.TextField(
        blank=True, help_text="Why a lead outside tier A/B was made an MQL anyway."
    )
    intent_score = models.SmallIntegerField(default=0)
    intent_band = models.CharField(max_length=10, choices=IntentBand.choices, default="low")
    score_explanation = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the scoring statement first scored the lead or last changed its score "
        "(empty: never scored).",
    )
    manual_review = models.BooleanField(
        default=False,
        help_text="Waiting for a person to decide: scored between the nurture floor and the MQL "
        "threshold, or refused by the engine. Any stage change clears it.",
    )
    form_answers = models.JSONField(default=dict, blank=True)
    next_action = models.CharField(max_length=255, blank=True)
    next_action_due = models.DateField(null=True, blank=True)
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    recycle_on = models.DateField(null=True, blank=True)
    reason_code = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    next_meeting_on = models.DateTimeField(null=True, blank=True)
    single_thread_override = models.TextField(blank=True)
    amount_estimate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    expected_close_date = models.DateField(null=True, blank=True)
    mutual_next_step = models.CharField(max_length=255, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    external_source = models.CharField(
        max_length=60, blank=True, help_text="The system a migrated lead came from."
    )
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Scores change nightly (decay); their history lives in the explanation, not in copies.
    history = HistoricalRecords(
        excluded_fields=[
            "intent_score",
            "intent_band",
            "score_explanation",
            "scored_at",
            "last_activity_at",
            "updated_at",
        ],
        # History is read by lead id and date; indexing every FK copy only slows imports.
        no_db_index=["contact", "account", "segment", "owner", "reason_code", "duplicate_of"],
    )
    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("mark_mql", "Can mark a new lead MQL by hand"),
            ("accept_mql", "Can accept an MQL into SAL"),
            ("reject_mql", "Can reject an MQL to nurture or disqualified"),
            ("promote_sql", "Can promote an SAL to SQL"),
            ("promote_opportunity", "Can promote an SQL to opportunity"),
            ("reopen_lead", "Can reopen a disqualified lead"),
            ("act_on_any_lead", "Can park or disqualify any open lead, not only owned ones"),
            ("merge_duplicate", "Can merge a lead into its duplicate (disqualified as one)"),
        ]
        indexes = [
            models.Index(fields=["stage", "sla_due_at"], name="lead_stage_sla_idx"),
            models.Index(fields=["owner", "stage"], name="lead_owner_stage_idx"),
            models.Index(fields=["stage", "recycle_on"], name="lead_stage_recycle_idx"),
            models.Index(fields=["account", "stage"], name="lead_account_stage_idx"),
            # The SAL queue: counting and paging one SDR's segments' MQLs reads only this.
            models.Index(
                fields=["segment", "sla_due_at"],
                condition=Q(stage=Stage.MQL),
                name="lead_mql_queue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage=Stage.DISQUALIFIED) | Q(reason_code__isnull=False),
                name="disqualified_lead_has_reason_code",
                violation_error_message="A disqualified lead must have a reason code.",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=sorted(OWNED_STAGES)) | Q(owner__isnull=False),
                name="sales_stage_lead_has_owner",
                violation_error_message="An SAL, SQL or opportunity lead must have an owner.",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.NURTURE) | Q(recycle_on__isnull=False),
                name="nurture_lead_has_recycle_date",
                violation_error_message="A nurture lead must have a recycle date.",
            ),
            models.CheckConstraint(
                condition=Q(intent_score__gte=0, intent_score__lte=100),
                name="lead_intent_score_0_100",
                violation_error_message="The intent score runs from 0 to 100.",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="lead_external_id_unique",
                violation_error_message="Another lead already has this id in the system it came "
                "from.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.segment}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def summary(self) -> str:
        """Who, where and whose, to pick a lead from a list: "Nadia Quinn · SAL in Core, owner
        Priya Shah" (load contact, segment and owner with it)."""
        whose = "unassigned"
        if self.owner is not None:
            whose = f"owner {self.owner.get_full_name() or self.owner.get_username()}"
        return f"{self.contact} · {self.get_stage_display()} in {self.segment.name}, {whose}"

    @property
    def is_pql(self) -> bool:
        """A product-qualified lead: product-led motion, qualified on usage."""
        return self.motion == Motion.PRODUCT_LED
