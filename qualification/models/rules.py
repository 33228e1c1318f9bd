"""What RevOps tunes: ICP cut-offs and rules, scoring rules."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

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
