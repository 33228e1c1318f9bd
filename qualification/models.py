import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
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
            *("form_answers", "next_action", "sla_due_at"),
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
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
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


# Every stored activity time lies in this window. Nothing this business records happened before
# 2000, and a clock a little ahead is tolerated; outside it is a typo or an attack, and a time
# near year 1 or 9999 cannot even be shown in the local time zone (OverflowError on the page).
ACTIVITY_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ACTIVITY_LEEWAY = dt.timedelta(days=1)


def activity_time_problem(moment: dt.datetime, *, now: dt.datetime) -> str | None:
    """Why `moment` cannot be an activity's time ("before 2000", "more than a day ahead"), or
    None. The one rule every path that stores an activity applies."""
    try:
        if moment < ACTIVITY_EPOCH:
            return "before 2000"
        if moment > now + ACTIVITY_LEEWAY:
            return "more than a day ahead"
    except OverflowError:  # an offset pushed it past year 1 or 9999 in UTC
        return "before 2000" if moment.year < ACTIVITY_EPOCH.year else "more than a day ahead"
    return None


def validate_activity_time(value: dt.datetime) -> None:
    """The model field's validator, so the admin shows the rule beside the field."""
    problem = activity_time_problem(value, now=timezone.now())
    if problem == "before 2000":
        raise ValidationError(
            "The time is before 2000: no activity here is that old.", code="too_early"
        )
    if problem:
        raise ValidationError("The time is more than a day ahead.", code="too_late")


class Activity(models.Model):
    """Something the contact did (an intent signal) or something sales did (a touch)."""

    class Kind(models.TextChoices):
        PRICING_PAGE = "pricing_page", "Pricing page"
        SECURITY_PAGE = "security_page", "Security page"
        ROI_PAGE = "roi_page", "ROI page"
        IMPLEMENTATION_PAGE = "implementation_page", "Implementation page"
        COMPARISON_PAGE = "comparison_page", "Comparison page"
        DEMO_REQUEST = "demo_request", "Demo request"
        WEBINAR = "webinar", "Webinar"
        CONTENT_DOWNLOAD = "content_download", "Content download"
        WHITE_PAPER = "white_paper", "White paper"
        EMAIL_OPEN = "email_open", "Email open"
        EMAIL_CLICK = "email_click", "Email click"
        EMAIL_REPLY = "email_reply", "Email reply"
        BLOG_READ = "blog_read", "Blog read"
        CAREERS_PAGE = "careers_page", "Careers page"
        WEB_SESSION = "web_session", "Web session"
        PRODUCT_SIGNUP = "product_signup", "Product signup"
        PRODUCT_ACTIVATION = "product_activation", "Product activation"
        PRODUCT_INVITE = "product_invite", "Teammate invited"
        PRODUCT_LIMIT_HIT = "product_limit_hit", "Plan limit hit"
        CALL = "call", "Call"
        EMAIL_SENT = "email_sent", "Email sent"
        MEETING = "meeting", "Meeting"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField(validators=[validate_activity_time])
    detail = models.CharField(max_length=500, blank=True)
    session_key = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The salesperson, for sales touches.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="activity_contact_time_idx"),
            models.Index(fields=["lead", "occurred_at"], name="activity_lead_time_idx"),
        ]
        constraints = [
            # The window's fixed end, for writers that skip validation (bulk inserts); its
            # moving end ("a day ahead") depends on the clock, which a constraint cannot read.
            models.CheckConstraint(
                condition=Q(occurred_at__gte=ACTIVITY_EPOCH),
                name="activity_after_2000",
                violation_error_message="An activity's time cannot be before 2000.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"


# What sales does to a contact, not what the contact did: a web form or partner never reports
# these, and they would let it score a lead up to MQL.
SALES_TOUCHES = frozenset({Activity.Kind.CALL, Activity.Kind.EMAIL_SENT, Activity.Kind.MEETING})


def default_intake_kinds() -> list[str]:
    """The kinds a new intake source may send: everything a contact does, no sales touch."""
    return [kind for kind in Activity.Kind.values if kind not in SALES_TOUCHES]


def validate_activity_kinds(value) -> None:
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ValidationError("Give a list of activity kinds.", code="invalid")
    unknown = [kind for kind in value if kind not in Activity.Kind.values]
    if unknown:
        raise ValidationError(f"“{unknown[0][:40]}” is not an activity kind.", code="invalid")


class StageTransition(models.Model):
    """The audit row for every stage change, with the evidence that allowed it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    name = models.CharField(max_length=40, help_text="The transition table row that applied.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.CharField(max_length=60, blank=True, help_text="The rule that acted, if no one.")
    occurred_at = models.DateTimeField()
    from_stage_entered_at = models.DateTimeField(
        help_text="When the lead entered the stage it left: the stay this row ended began then."
    )
    reason_code = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="transition_lead_time_idx"),
            models.Index(fields=["to_stage", "occurred_at"], name="transition_to_time_idx"),
            # What one person decided lately (the queue's "mine today").
            models.Index(fields=["actor", "occurred_at"], name="transition_actor_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | ~Q(rule=""),
                name="transition_has_actor_or_rule",
                violation_error_message="A stage change names the person or the rule that made it.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage} → {self.to_stage}"

    @property
    def time_in_stage(self) -> dt.timedelta:
        return self.occurred_at - self.from_stage_entered_at

    @property
    def acted_by(self) -> str:
        if self.actor_id:
            return self.actor.get_full_name() or self.actor.get_username()
        return f"rule: {self.rule}"

    @property
    def score_seen(self) -> dict | None:
        """The score a rule acted on, with the segment's bars then; None when a person acted or
        the lead had not been scored (an import's stage comes from the file, not the score)."""
        if self.actor_id or not self.evidence.get("scored_at"):
            return None
        return {
            "score": self.evidence.get("intent_score"),
            "floor": self.evidence.get("nurture_floor"),
            "threshold": self.evidence.get("mql_threshold"),
        }


# Discovery -------------------------------------------------------------------------------


class Framework(models.Model):
    """A discovery framework (BANT, MEDDICC, CHAMP, …) defined as data, editable by RevOps."""

    key = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FrameworkItem(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    prompt = models.TextField(blank=True, help_text="Questions that draw the answer out.")
    confirmed_means = models.TextField(blank=True, help_text="What counts as confirmed.")
    required_for_sql = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "key"],
                name="framework_item_key_unique",
                violation_error_message="This framework already has an item with this key.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name}: {self.label}"


class Checklist(models.Model):
    """One lead's discovery against one framework."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="checklists")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="checklists")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "framework"],
                name="one_checklist_per_framework",
                violation_error_message="This lead already has a checklist for this framework.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name} for lead {self.lead_id}"


class ChecklistAnswer(models.Model):
    class Status(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        PARTIAL = "partial", "Partial"
        CONFIRMED = "confirmed", "Confirmed"
        RED_FLAG = "red_flag", "Red flag"

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="answers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNKNOWN)
    answer = models.TextField(blank=True)
    evidence = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "item"],
                name="one_answer_per_item",
                violation_error_message="This checklist already answers this item.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.label}: {self.get_status_display()}"


class DiscoveryNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="discovery_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on lead {self.lead_id} by {self.author}"


# Rules RevOps tunes ---------------------------------------------------------------------------


class IcpSettings(models.Model):
    """The fit points an account needs for each tier (one row, edited in the admin)."""

    tier_a_min_points = models.SmallIntegerField(default=50)
    tier_b_min_points = models.SmallIntegerField(default=25)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "ICP tier cut-offs"
        constraints = [
            models.CheckConstraint(
                condition=Q(tier_b_min_points__lte=models.F("tier_a_min_points")),
                name="icp_tier_b_below_a",
                violation_error_message="Tier B cannot need more points than tier A.",
            ),
        ]

    def __str__(self) -> str:
        return f"Tier A ≥ {self.tier_a_min_points}, tier B ≥ {self.tier_b_min_points}"

    @classmethod
    def load(cls) -> "IcpSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class IcpRule(models.Model):
    """A firmographic rule: fit points for a match, or a hard exclusion (tier out)."""

    class Attribute(models.TextChoices):
        INDUSTRY = "industry", "Industry"
        COUNTRY = "country", "Country"
        EMPLOYEES = "employee_count", "Employees"
        REVENUE = "annual_revenue", "Annual revenue"
        TECH = "tech_stack", "Tech stack"
        RELATIONSHIP = "relationship", "Relationship"

    class Match(models.TextChoices):
        IN = "in", "is one of"
        NOT_IN = "not_in", "is not one of"
        BETWEEN = "between", "is between"
        CONTAINS_ANY = "contains_any", "includes any of"

    name = models.CharField(max_length=100, help_text="Shown in the tier's reasons.")
    attribute = models.CharField(max_length=20, choices=Attribute.choices)
    match = models.CharField(max_length=20, choices=Match.choices)
    values = models.JSONField(default=list, blank=True, help_text="For is / is not / includes.")
    min_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    points = models.SmallIntegerField(default=0)
    exclusion = models.BooleanField(
        default=False, help_text="A hard gate: a matching account is out of ICP."
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "ICP rule"

    def __str__(self) -> str:
        return self.name


class ScoringRule(models.Model):
    """A piece of the intent score, with the words it adds to the explanation."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", "Activity of a kind (decays with age)"
        FREQUENCY = "frequency", "Repeat activity within a window (bonus)"
        EMAIL_KIND = "email_kind", "Contact's email kind"
        SENIORITY = "seniority", "Contact's seniority"
        ACCOUNT = "account_relationship", "Account relationship"
        FIT_TIER = "fit_tier", "Account fit tier"

    name = models.CharField(max_length=100, help_text="How the explanation names it.")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    value = models.CharField(
        max_length=60,
        blank=True,
        help_text="Activity kind, email kind, seniority, relationship or tier matched; "
        "blank for a frequency rule over any web session.",
    )
    points = models.SmallIntegerField()
    half_life_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Activity points halve every so many days."
    )
    max_occurrences = models.PositiveSmallIntegerField(
        default=3, help_text="Repeats beyond this add nothing."
    )
    min_count = models.PositiveSmallIntegerField(default=3, help_text="Frequency: at least …")
    window_days = models.PositiveSmallIntegerField(default=7, help_text="Frequency: … in days.")
    buying_work = models.BooleanField(
        default=False, help_text="A buying-work signal (pricing, security, ROI, comparison)."
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-points"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="activity") | Q(half_life_days__gt=0),
                name="activity_rule_has_half_life",
                violation_error_message="An activity rule needs a half-life of at least one day: "
                "its points fade as the activity ages.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+d})"


# Jobs and intake -----------------------------------------------------------------------------


class SlaBreachNotice(models.Model):
    """One notice per lead per SLA window, so the sweep can run as often as it likes."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    sla_due_at = models.DateTimeField()
    notified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "stage", "sla_due_at"],
                name="one_breach_notice_per_window",
                violation_error_message="This lead was already reported for missing this SLA.",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA breach on lead {self.lead_id} ({self.stage})"


class ImportJobQuerySet(models.QuerySet):
    def resumable(self, *, now: dt.datetime) -> "ImportJobQuerySet":
        """Jobs that stopped short and that running again carries on: failed after the file
        check passed (or before any run began, the queue being down), or queued or running
        with no sign of life for IMPORT_STALLED_AFTER. A file the check refused would only be
        refused again. The batches make carrying on safe: each commits with its report rows,
        and a run skips the lines already reported."""
        return self._with_last_sign_of_life().filter(self._stopped_short(now))

    def runnable(self, *, now: dt.datetime) -> "ImportJobQuerySet":
        """What a run may take up: a queued job, or one that stopped short."""
        return self._with_last_sign_of_life().filter(
            Q(status=ImportJob.Status.QUEUED) | self._stopped_short(now)
        )

    def _with_last_sign_of_life(self) -> "ImportJobQuerySet":
        return self.alias(last_sign_of_life=Coalesce("heartbeat_at", "created_at"))

    @staticmethod
    def _stopped_short(now: dt.datetime) -> Q:
        failed = Q(status=ImportJob.Status.FAILED) & (
            Q(total_rows__isnull=False) | Q(started_at__isnull=True)
        )
        stalled = Q(
            status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
            last_sign_of_life__lt=now - settings.IMPORT_STALLED_AFTER,
        )
        return failed | stalled


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    source_system = models.CharField(
        max_length=60, help_text="Keys external ids, e.g. 'marketstar'; same file, same source."
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="+")
    apply_rules = models.BooleanField(
        default=True, help_text="Score, then let the stage rules nurture, flag or route."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="The run's last sign of life: its start, each batch."
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.original_name}"


class ImportRow(models.Model):
    """The per-row report of an import: what happened to each data row and why."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Created"
        MERGED = "merged", "Merged into an existing record"
        UNCHANGED = "unchanged", "Already imported, nothing new"
        REFUSED = "refused", "Refused"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(help_text="Line in the file, header = 1.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=255, blank=True, help_text="Email or source id.")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "row_number"],
                name="one_report_row_per_line",
                violation_error_message="This import already reports on this line.",
            ),
        ]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.outcome}"


class IntakeSource(models.Model):
    """A web form or partner that may post leads to the JSON intake endpoint."""

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="+")
    default_source = models.CharField(max_length=20, choices=Source.choices, default=Source.FORM)
    activity_kinds = models.JSONField(
        default=default_intake_kinds,
        validators=[validate_activity_kinds],
        help_text="The activity kinds this source may report; any other is refused.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IntakeRequest(models.Model):
    """What an idempotency key already produced, so a retried post creates nothing new."""

    source = models.ForeignKey(IntakeSource, on_delete=models.CASCADE, related_name="requests")
    idempotency_key = models.CharField(max_length=100)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10, choices=ImportRow.Outcome.choices)
    body_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the body, so the same key with another body is refused; "
        "blank on requests from before it was kept.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                name="one_request_per_idempotency_key",
                violation_error_message="This source already sent a request with this "
                "idempotency key.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.idempotency_key}"
