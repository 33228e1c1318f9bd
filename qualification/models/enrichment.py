"""Enrichment: the firmographics RevOps loads, the order providers are tried in and what each
field may overwrite, and the runs over every account."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class WritePolicy(models.TextChoices):
    FILL_EMPTY = "fill_empty", "Fill empty fields only"
    OVERWRITE_OWN = "overwrite_own", "Also overwrite what enrichment wrote"


def validate_provider_names(value) -> None:
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise ValidationError("Give a list of provider names, first tried first.", code="invalid")
    if len(set(value)) != len(value):
        raise ValidationError("Name each provider once.", code="invalid")


class EnrichmentSettings(models.Model):
    """The providers in the order they are tried, and each field's write policy (one row,
    edited in the admin). A person's edit is never overwritten, whatever the policy."""

    providers = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_provider_names],
        help_text="Provider names, first tried first; the first with a value for a field "
        "gives it. A firmographics file loaded with `load_firmographics --source NAME` is "
        "the provider NAME, added at the end when first loaded.",
    )
    industry_policy = models.CharField(
        max_length=15, choices=WritePolicy.choices, default=WritePolicy.FILL_EMPTY
    )
    employee_count_policy = models.CharField(
        max_length=15, choices=WritePolicy.choices, default=WritePolicy.FILL_EMPTY
    )
    annual_revenue_policy = models.CharField(
        max_length=15, choices=WritePolicy.choices, default=WritePolicy.FILL_EMPTY
    )
    country_policy = models.CharField(
        max_length=15, choices=WritePolicy.choices, default=WritePolicy.FILL_EMPTY
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "Enrichment settings"

    def __str__(self) -> str:
        return "Enrichment: " + (" → ".join(self.providers) or "no provider")

    @classmethod
    def load(cls) -> "EnrichmentSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()

    def clean(self) -> None:
        if not isinstance(self.providers, list):
            return  # the field's validator says so
        loaded = set(
            FirmographicRecord.objects.filter(source__in=self.providers)
            .values_list("source", flat=True)
            .distinct()
        )
        unknown = [name for name in self.providers if name not in loaded]
        if unknown:
            raise ValidationError(
                {
                    "providers": f"“{unknown[0][:60]}” is no provider: no firmographics file "
                    "was loaded under that name (manage.py load_firmographics FILE --source "
                    "NAME)."
                }
            )

    def policy(self, field: str) -> str:
        return getattr(self, f"{field}_policy")


class FirmographicRecord(models.Model):
    """One company of a firmographics file RevOps loaded, keyed by the file's source name and
    the company's domain (or, with no usable website, its normalised name)."""

    source = models.CharField(max_length=60)
    key = models.CharField(max_length=255, help_text="The domain, or `name:` + the name key.")
    domain = models.CharField(max_length=253, blank=True)
    name = models.CharField(max_length=255, blank=True)
    name_key = models.CharField(max_length=255, blank=True, db_index=True)
    industry = models.CharField(max_length=120, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        max_length=3,
        default="USD",
        help_text="The ISO 4217 currency of annual_revenue, as the file was loaded "
        "(load_firmographics --currency). Enrichment gives no revenue in another currency "
        "than the app's CURRENCY.",
    )
    country = models.CharField(max_length=2, blank=True)
    line = models.PositiveIntegerField(help_text="The file line it was read from.")
    loaded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key"],
                name="firmographic_once_per_key",
                violation_error_message="A source holds each company (domain or name) once.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.name or self.key}"


class EnrichmentRunQuerySet(models.QuerySet):
    def runnable(self, *, now: dt.datetime) -> "EnrichmentRunQuerySet":
        """A queued run, a failed one, or one running with no sign of life for
        IMPORT_STALLED_AFTER (its process was killed): running it again carries on after the
        last account it finished."""
        stalled = now - settings.IMPORT_STALLED_AFTER
        return self.filter(
            Q(status__in=[EnrichmentRun.Status.QUEUED, EnrichmentRun.Status.FAILED])
            | Q(status=EnrichmentRun.Status.RUNNING, heartbeat_at__lt=stalled)
        )


class EnrichmentRun(models.Model):
    """Enrichment over every account, in batches by id; each batch commits with the cursor."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    after_account_id = models.PositiveBigIntegerField(
        default=0, help_text="Accounts up to this id are done."
    )
    accounts_seen = models.PositiveIntegerField(default=0)
    accounts_changed = models.PositiveIntegerField(default=0)
    fields_written = models.PositiveIntegerField(default=0)
    accounts_retiered = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = EnrichmentRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Enrichment run {self.pk} ({self.get_status_display()})"
