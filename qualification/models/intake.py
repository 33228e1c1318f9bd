"""Imports and the web-form intake: jobs, rows, sources, requests."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from qualification.models.activities import SALES_TOUCHES, Activity
from qualification.models.leads import Lead, Segment, Source


def default_intake_kinds() -> list[str]:
    """The kinds a new intake source may send: everything a contact does, no sales touch."""
    return [kind for kind in Activity.Kind.values if kind not in SALES_TOUCHES]


def validate_activity_kinds(value) -> None:
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ValidationError("Give a list of activity kinds.", code="invalid")
    unknown = [kind for kind in value if kind not in Activity.Kind.values]
    if unknown:
        raise ValidationError(f"“{unknown[0][:40]}” is not an activity kind.", code="invalid")


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
