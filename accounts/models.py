from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Left, Lower, Replace, StrIndex, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.fields import (
    AcronymField,
    CompanyKeyField,
    DomainField,
    NameDigitsField,
    NormalizedEmailField,
)
from accounts.personas import Function, Seniority


class IcpTier(models.TextChoices):
    A = "A", "Tier A"
    B = "B", "Tier B"
    C = "C", "Tier C"
    OUT = "out", "Out of ICP"


class Account(models.Model):
    class Relationship(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        CUSTOMER = "customer", "Customer"
        PARTNER = "partner", "Partner"
        COMPETITOR = "competitor", "Competitor"

    name = models.CharField(max_length=255)
    # What matching compares (qualification/matching/): derived from the name on every write.
    # The trigram index on name_key is PostgreSQL-only (migration 0009).
    name_key = CompanyKeyField(max_length=255, source="name")
    name_acronym = AcronymField(max_length=40, source="name", db_index=True)
    name_digits = NameDigitsField(max_length=40, source="name", db_index=True)
    domain = DomainField(
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The primary AccountDomain's domain, mirrored for display and sorting; "
        "written only by accounts.domains.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The group this account rolls up to (a subsidiary's parent company).",
    )
    industry = models.CharField(max_length=120, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    region = models.CharField(max_length=60, blank=True)
    tech_stack = models.JSONField(default=list, blank=True)
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.PROSPECT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        help_text="The AE who owns the account (routing).",
    )
    territory = models.CharField(max_length=60, blank=True, db_index=True)
    icp_tier = models.CharField(max_length=3, choices=IcpTier.choices, blank=True, db_index=True)
    icp_reasons = models.JSONField(default=list, blank=True)
    icp_confirmed_at = models.DateTimeField(null=True, blank=True)
    icp_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # History is read by account id and date; indexing copies of keys only slows imports.
    history = HistoricalRecords(
        no_db_index=["owner", "icp_confirmed_by", "domain", "parent", "name_acronym", "name_digits"]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")),
                name="account_domain_lower_case",
                violation_error_message="The domain must be in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "An account cannot be its own parent."})
        if self.pk is not None and self.pk in self.ancestor_ids():
            raise ValidationError(
                {"parent": f"{self.parent} already rolls up to {self.name}: that would be a loop."}
            )

    def ancestor_ids(self) -> list[int]:
        """The ids above this account, nearest first, following `parent` as set on this instance
        (one query per level; groups are a few levels deep). Stops at a loop already stored."""
        seen: list[int] = []
        parent_id = self.parent_id
        while parent_id is not None and parent_id not in seen:
            seen.append(parent_id)
            parent_id = (
                Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
            )
        return seen

    @property
    def primary_domain(self) -> str:
        return self.domain or ""


class AccountDomain(models.Model):
    """A domain the account's people write from or its website lives on: every lookup of an
    account by domain goes through this table. One per account is primary (the one shown, and
    mirrored on Account.domain); a domain belongs to one account only."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="domains")
    domain = DomainField(
        max_length=253,
        unique=True,
        help_text="The registered domain (Public Suffix List): eu.acme.co.uk is acme.co.uk.",
        error_messages={"unique": "Another account already has this domain."},
    )
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(no_db_index=["account", "domain"])

    class Meta:
        ordering = ["-is_primary", "domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_primary=True),
                name="account_domain_one_primary",
                violation_error_message="An account has exactly one primary domain.",
            ),
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")),
                name="account_domain_domain_lower_case",
                violation_error_message="The domain must be in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain} (primary)" if self.is_primary else self.domain


def _email_identity_sql() -> models.Expression:
    """accounts.normalize.email_identity in SQL (the email is stored lower case): the `+tag`
    cut from the local part, and for Gmail its dots, googlemail.com read as gmail.com. Only
    functions PostgreSQL calls immutable (no CONCAT), so it can be a stored generated column;
    SQLite runs the same expression."""
    email = models.F("email")
    at = StrIndex(email, models.Value("@"))
    plus = StrIndex(Left(email, at), models.Value("+"))
    untagged = models.Case(
        models.When(
            GreaterThan(plus, 1),
            then=Replace(email, Substr(email, plus, at - plus), models.Value("")),
        ),
        default=email,
    )
    dotless = Replace(untagged, models.Value("."), models.Value(""))
    gmail = Replace(
        Replace(dotless, models.Value("@googlemailcom"), models.Value("@gmail.com")),
        models.Value("@gmailcom"),
        models.Value("@gmail.com"),
    )
    return models.Case(
        models.When(
            models.Q(email__endswith="@gmail.com") | models.Q(email__endswith="@googlemail.com"),
            then=gmail,
        ),
        default=untagged,
        output_field=models.CharField(max_length=254),
    )


class Contact(models.Model):
    class EmailKind(models.TextChoices):
        WORK = "work", "Work"
        PERSONAL = "personal", "Personal"
        DISPOSABLE = "disposable", "Disposable"
        INVALID = "invalid", "Invalid"

    class LawfulBasis(models.TextChoices):
        UNKNOWN = "", "Not recorded"
        CONSENT = "consent", "Consent"
        LEGITIMATE_INTEREST = "legitimate_interest", "Legitimate interest"
        CONTRACT = "contract", "Contract"

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = NormalizedEmailField(max_length=254, unique=True, null=True, blank=True)
    email_kind = models.CharField(max_length=12, choices=EmailKind.choices, blank=True)
    # The inbox the address reaches, kept by the database itself whichever path wrote the
    # email (an import's COPY, the admin, a merge): duplicate detection's email key.
    email_key = models.GeneratedField(
        expression=_email_identity_sql(),
        output_field=models.CharField(max_length=254, null=True),
        db_persist=True,
        db_index=True,
    )
    title = models.CharField(max_length=200, blank=True)
    persona_function = models.CharField(max_length=40, choices=Function.choices, blank=True)
    persona_seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)  # E.164: a detection key
    country = models.CharField(max_length=2, blank=True)
    lawful_basis = models.CharField(
        max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.UNKNOWN, blank=True
    )
    do_not_contact = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        no_db_index=["account", "email", "phone"], excluded_fields=["email_key"]
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="contact_email_lower_case",
                violation_error_message="The email address must be in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Contact {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def persona(self) -> str:
        """`VP · Sales`, `C-level · Finance`: the normalised title as people say it."""
        parts = (self.get_persona_seniority_display(), self.get_persona_function_display())
        return " · ".join(part for part in parts if part)


class BuyingGroupRole(models.Model):
    """A contact's seat in their account's buying committee."""

    class Role(models.TextChoices):
        CHAMPION = "champion", "Champion"
        ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
        DECISION_MAKER = "decision_maker", "Decision maker"
        INFLUENCER = "influencer", "Influencer"
        TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
        USER = "user", "User"
        BLOCKER = "blocker", "Blocker (veto)"
        PROCUREMENT = "procurement", "Procurement"
        SECURITY_LEGAL = "security_legal", "Security / legal"

    class Sentiment(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="buying_group")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="buying_roles")
    role = models.CharField(max_length=30, choices=Role.choices)
    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, default=Sentiment.UNKNOWN
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["account", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "contact", "role"],
                name="buying_role_once_per_contact",
                violation_error_message="This person already has this role in the account's "
                "buying group.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} — {self.get_role_display()}"


# The account fields enrichment fills, in the order pages and messages name them.
ENRICHED_FIELDS = ("industry", "employee_count", "annual_revenue", "country")
# The source of a value a person set, beside the providers' names.
PERSON = "person"


class AccountFieldSource(models.Model):
    """Where one firmographic field of an account got its value: an enrichment provider, or a
    person (who then always wins). One row per account and field; a field with no row holds
    what the lead's own form or file said, or nothing."""

    class Field(models.TextChoices):
        INDUSTRY = "industry", "Industry"
        EMPLOYEES = "employee_count", "Employees"
        REVENUE = "annual_revenue", "Revenue"
        COUNTRY = "country", "Country"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="field_sources")
    field = models.CharField(max_length=20, choices=Field.choices)
    source = models.CharField(
        max_length=60, help_text="The provider's name, or “person” for an edit by hand."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "field"],
                name="one_source_per_field",
                violation_error_message="A field of an account has one source.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.field} from {self.source}"

    @property
    def by_person(self) -> bool:
        return self.source == PERSON
