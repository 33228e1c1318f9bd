"""Duplicates: pairs of leads that may be one person's, and the merges made of them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from qualification.models.leads import Lead


class DuplicateCandidateQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=DuplicateCandidate.Status.OPEN)

    def involving(self, lead_ids):
        return self.filter(Q(lead_a_id__in=lead_ids) | Q(lead_b_id__in=lead_ids))


class DuplicateCandidate(models.Model):
    """Two leads that detection thinks are one person's, waiting for a person to decide.

    The pair is stored in one order (`lead_a` has the lower id), so a pair is one row whoever
    found it and in whichever order: detection updates it, a decision closes it, and "not a
    duplicate" is remembered on it so detection never opens it again."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MERGED = "merged", "Merged"
        NOT_DUPLICATE = "not_duplicate", "Not a duplicate"

    lead_a = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    lead_b = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(help_text="How sure detection is, 0 to 100.")
    matched = models.JSONField(
        default=list,
        blank=True,
        help_text='What matched, as [{"key": "email", "value": "…"}, …].',
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        indexes = [
            models.Index(fields=["lead_b", "status"], name="dupcand_lead_b_status_idx"),
            models.Index(fields=["status", "score"], name="dupcand_status_score_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead_a", "lead_b"],
                name="duplicate_pair_once",
                violation_error_message="This pair of leads is already a duplicate candidate.",
            ),
            models.CheckConstraint(
                condition=Q(lead_a__lt=F("lead_b")),
                name="duplicate_pair_in_order",
                violation_error_message="A pair is stored with the lower lead id first.",
            ),
            models.CheckConstraint(
                condition=Q(score__lte=100),
                name="duplicate_score_0_100",
                violation_error_message="A duplicate score runs from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="duplicate_decision_dated",
                violation_error_message="A decided pair says when it was decided.",
            ),
        ]

    def __str__(self) -> str:
        return f"Leads {self.lead_a_id} and {self.lead_b_id} ({self.get_status_display()})"

    def other(self, lead_id: int) -> int:
        return self.lead_b_id if lead_id == self.lead_a_id else self.lead_a_id


class DuplicateMerge(models.Model):
    """One merge of `merged` into `survivor`, with what it wrote, so it can be undone exactly.

    `snapshot` lists every row the merge wrote, in the order it wrote them, each as
    {"model": "app_label.model", "pk": …, "before": {field: value}, "after": {field: value}}:
    `before` holds the fields the merge changed as they were, `after` the row as the merge left
    it (every column but the row's own write clock). Undo compares each row with `after` and
    writes `before` back, in reverse order."""

    candidate = models.ForeignKey(
        DuplicateCandidate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merges",
    )
    survivor = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="+")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(
        max_length=60,
        blank=True,
        help_text="The rule that merged, if no one did (detection, for an identical email).",
    )
    merged_at = models.DateTimeField()
    reason = models.TextField()
    winners = models.JSONField(
        default=dict, blank=True, help_text='Per field, whose value won: "survivor" or "merged".'
    )
    moved = models.JSONField(
        default=dict, blank=True, help_text="How many rows of each kind moved to the survivor."
    )
    snapshot = models.JSONField(default=list)
    transition = models.ForeignKey(
        "qualification.StageTransition",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The engine's move of the merged lead to disqualified (duplicate).",
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")),
                name="merge_two_different_leads",
                violation_error_message="A lead cannot be merged into itself.",
            ),
            models.CheckConstraint(
                condition=Q(merged_by__isnull=False) | ~Q(rule=""),
                name="merge_by_someone_or_a_rule",
                violation_error_message="A merge names who made it, or the rule that did.",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True) | Q(undone_by__isnull=False),
                name="merge_undone_by_someone",
                violation_error_message="An undone merge names who undid it.",
            ),
        ]

    def __str__(self) -> str:
        return f"Merge {self.pk}: lead {self.merged_id} into {self.survivor_id}"

    @property
    def merged_by_name(self) -> str:
        if self.merged_by is None:
            return "duplicate detection (the same email)"
        return self.merged_by.get_full_name() or self.merged_by.get_username()

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class DetectionRun(models.Model):
    """One pass of the nightly duplicate detection over every live lead, in id order.

    The run keeps its place (`last_lead_id`, committed with each chunk's pairs), so a run that
    stopped (failed, or a process killed: its heartbeat goes quiet) is carried on by the next
    one from where it was, and never left showing "running"."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    resumed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_lead_id = models.PositiveBigIntegerField(
        default=0, help_text="Leads up to this id are checked."
    )
    leads_checked = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    candidates_created = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="detection_run_finished_dated",
                violation_error_message="A finished run says when it finished.",
            ),
        ]

    def __str__(self) -> str:
        return f"Duplicate detection {self.pk} ({self.get_status_display()})"
