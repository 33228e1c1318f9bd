"""The record of stage changes and the SLA breaches noticed."""

import datetime as dt
import enum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from qualification.models.leads import Lead, ReasonCode, Stage


class TransitionName(enum.StrEnum):
    """The keys of the transition table's rows (qualification/lifecycle/table.py), as stored in
    `StageTransition.name`; people read each row's label, never these."""

    MARK_MQL = "mark-mql"
    ACCEPT = "accept"
    REJECT_TO_NURTURE = "reject-to-nurture"
    REJECT = "reject"
    PROMOTE_SQL = "promote-sql"
    PROMOTE_OPPORTUNITY = "promote-opportunity"
    PARK = "park"
    DISQUALIFY = "disqualify"
    RECYCLE = "recycle"
    REOPEN = "reopen"
    MERGE_DUPLICATE = "merge-duplicate"


# The SDR's two ways to turn an MQL down: what "rejections" means in metrics and sampling.
REJECTIONS = (TransitionName.REJECT, TransitionName.REJECT_TO_NURTURE)


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
    def is_rejection(self) -> bool:
        return self.name in REJECTIONS

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


# Jobs and intake -----------------------------------------------------------------------------


class SlaBreachNotice(models.Model):
    """One notice per lead per SLA window, so the sweep can run as often as it likes."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    sla_due_at = models.DateTimeField()
    notified_at = models.DateTimeField(default=timezone.now, editable=False)

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
