"""Lead-to-account matching: RevOps' thresholds and tie-breakers, and every decision the
matcher made (qualification/matching/), with its candidates, confidence and reasons."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Account, Contact
from qualification.models.leads import Lead


class TieBreaker(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    OPEN_OPPORTUNITY = "open_opportunity", "Open opportunity"
    HAS_OWNER = "has_owner", "Has an owner"
    LATEST_ACTIVITY = "latest_activity", "Latest activity"


def default_tie_breakers() -> list[str]:
    return list(TieBreaker.values)


def validate_tie_breakers(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError('List the tie-breakers in order, e.g. ["customer", "has_owner"].')
    unknown = [item for item in value if item not in TieBreaker.values]
    if unknown:
        raise ValidationError(
            f"{', '.join(unknown)}: not a tie-breaker; use {', '.join(TieBreaker.values)}."
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each tie-breaker once.")


_UNIT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class MatchSettings(models.Model):
    """How sure the matcher must be (one row, edited in the admin): at or above `upper` a lead
    links to the account, from `lower` up to `upper` it waits in the match review, below
    `lower` it gets a new account. `lower` is also the trigram similarity a name needs to be a
    candidate at all."""

    upper_threshold = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.90"), validators=_UNIT
    )
    lower_threshold = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.60"), validators=_UNIT
    )
    tie_breakers = models.JSONField(
        default=default_tie_breakers,
        validators=[validate_tie_breakers],
        help_text="When accounts score alike, the first of these that tells them apart wins: "
        + ", ".join(TieBreaker.values)
        + ".",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "Account matching thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(lower_threshold__lte=F("upper_threshold")),
                name="match_lower_below_upper",
                violation_error_message="The lower threshold cannot be above the upper one.",
            ),
            models.CheckConstraint(
                condition=Q(lower_threshold__gte=0, upper_threshold__lte=1),
                name="match_thresholds_between_0_and_1",
                violation_error_message="Thresholds are between 0 and 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"Link ≥ {self.upper_threshold}, review ≥ {self.lower_threshold}"

    @classmethod
    def load(cls) -> MatchSettings:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class AccountMatch(models.Model):
    """One decision of the matcher for a lead (or a contact saved without one), and how a
    person resolved it when it waited in review."""

    class Outcome(models.TextChoices):
        LINKED = "linked", "Linked"
        REVIEW = "review", "Waiting for review"
        NEW = "new", "New account"

    class Resolution(models.TextChoices):
        NONE = "", "Not resolved"
        CANDIDATE = "candidate", "Linked to a candidate"
        OTHER = "other", "Linked to another account"
        NEW = "new", "Made a new account"

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="account_matches"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="account_matches"
    )
    company = models.CharField(max_length=255, blank=True, help_text="The company as typed.")
    domain = models.CharField(max_length=253, blank=True)
    country = models.CharField(max_length=2, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account the lead went to: linked, picked in review, or made.",
    )
    confidence = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    reasons = models.JSONField(default=list, blank=True)
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, default=Resolution.NONE, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(no_db_index=["lead", "contact", "account", "resolved_by"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(outcome="review"),
                name="account_match_waiting_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False) | Q(contact__isnull=False),
                name="account_match_for_lead_or_contact",
                violation_error_message="A match decision is for a lead or a contact.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="linked") | Q(account__isnull=False),
                name="account_match_linked_has_account",
                violation_error_message="A linked match names its account.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company or self.domain} → {self.get_outcome_display()}"


class AccountMatchCandidate(models.Model):
    """An account the matcher weighed for a decision, with its confidence and reasons."""

    match = models.ForeignKey(AccountMatch, on_delete=models.CASCADE, related_name="candidates")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="match_candidacies")
    rank = models.PositiveSmallIntegerField(default=0)
    confidence = models.DecimalField(max_digits=3, decimal_places=2)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["match", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["match", "account"],
                name="account_match_candidate_once",
                violation_error_message="This account is already a candidate for this match.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} at {self.confidence}"
