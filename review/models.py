"""The monthly borderline-lead review: a sampled session, a decision per lead, and the rule
changes the group proposes for RevOps to apply or decline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst

from qualification.models import IcpRule, Lead, ReasonCode, ScoringRule, Segment, StageTransition


class Stratum(models.TextChoices):
    FALSE_NEGATIVE = "false_negative", "Came back after disqualification"
    SDR_REJECTED = "sdr_rejected", "Rejected by an SDR"
    MANUAL_REVIEW = "manual_review", "Manual-review band"
    STALE = "stale", "Stale open lead"


class ReviewSession(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    month = models.DateField(help_text="The first day of the month under review.")
    sample_size = models.PositiveSmallIntegerField(default=24)
    seed = models.BigIntegerField(help_text="Draws the same sample again from the same data.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Written when it closes.")

    class Meta:
        ordering = ["-month", "-pk"]
        permissions = [
            ("run_review", "Can open, run and close review sessions"),
            ("apply_proposal", "Can apply or decline proposed rule changes"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["month"],
                name="one_review_session_per_month",
                violation_error_message="This month already has a review session.",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="closed_session_has_closed_at",
                violation_error_message="A closed session keeps the time it was closed.",
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.month:%B %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Decision(models.TextChoices):
    PENDING = "pending", "Not yet decided"
    AGREE = "agree", "Agree"
    OVERTURN = "overturn", "Overturn"
    ADJUST = "adjust", "Adjust the rules"


class ReviewItem(models.Model):
    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="items")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="review_items")
    stratum = models.CharField(max_length=20, choices=Stratum.choices)
    position = models.PositiveSmallIntegerField()
    stage_when_sampled = models.CharField(max_length=20)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    overturn = models.ForeignKey(
        StageTransition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The stage change the overturn made, through the lifecycle engine.",
    )

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "lead"],
                name="lead_once_per_session",
                violation_error_message="This lead is already in this session.",
            ),
            models.UniqueConstraint(
                fields=["session", "position"],
                name="review_item_position",
                violation_error_message="Another lead already has this place in the session.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: lead {self.lead_id}"


class RuleChangeProposal(models.Model):
    """A change to one field of one rule, with its rationale; RevOps applies or declines it."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", "Segment threshold"
        SCORING_WEIGHT = "scoring_weight", "Scoring weight"
        ICP_RULE = "icp_rule", "ICP rule"
        REASON_CODE = "reason_code", "Reason code"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Awaiting RevOps"
        APPLIED = "applied", "Applied"
        DECLINED = "declined", "Declined"

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="proposals")
    item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scoring_rule = models.ForeignKey(
        ScoringRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    icp_rule = models.ForeignKey(
        IcpRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason_code = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(max_length=40)
    current_value = models.CharField(max_length=100, blank=True)
    proposed_value = models.CharField(max_length=100)
    rationale = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="threshold", segment__isnull=False)
                    | Q(kind="scoring_weight", scoring_rule__isnull=False)
                    | Q(kind="icp_rule", icp_rule__isnull=False)
                    | Q(kind="reason_code", reason_code__isnull=False)
                ),
                name="proposal_names_its_rule",
                violation_error_message="A proposal names the rule it changes: a segment for a "
                "threshold, a scoring rule for a weight, an ICP rule or a reason code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.field} → {self.proposed_value}"

    @property
    def field_label(self) -> str:
        """The changed field as people say it: its verbose name on the rule ("MQL threshold")."""
        return capfirst(type(self.target)._meta.get_field(self.field).verbose_name)

    @property
    def target(self) -> models.Model:
        return {
            self.Kind.THRESHOLD: self.segment,
            self.Kind.SCORING_WEIGHT: self.scoring_rule,
            self.Kind.ICP_RULE: self.icp_rule,
            self.Kind.REASON_CODE: self.reason_code,
        }[self.kind]
