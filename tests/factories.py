import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.domains import add_domain
from accounts.models import Account, BuyingGroupRole, Contact, IcpTier
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    Framework,
    Lead,
    Motion,
    ReasonCode,
    Segment,
    Source,
    Stage,
    StageTransition,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@leadreview.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")
    time_zone = "Europe/London"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "Software"
    employee_count = 250
    country = "GB"
    icp_tier = IcpTier.A

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the import writes one: the account with its domain, and that domain as its primary
        # AccountDomain (the mirror then agrees and writes nothing more).
        account = super()._create(model_class, *args, **kwargs)
        if account.domain:
            add_domain(account=account, domain=account.domain, primary=True, reason="Test")
        return account


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@company.example")
    email_kind = Contact.EmailKind.WORK
    title = "VP Operations"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead created in its stage directly: for tests of what reads leads, not of transitions."""

    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda lead: lead.contact.account)
    segment = factory.SubFactory(SegmentFactory, slug="core", name="Core")
    source = Source.FORM
    motion = Motion.INBOUND
    stage = Stage.NEW
    fit_tier = IcpTier.A
    intent_score = 75
    intent_band = "high"
    scored_at = factory.LazyFunction(timezone.now)  # as if the scoring statement set the score
    stage_entered_at = factory.LazyFunction(timezone.now)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    lead = factory.SubFactory(LeadFactory)
    contact = factory.LazyAttribute(lambda a: a.lead.contact)
    kind = Activity.Kind.PRICING_PAGE
    occurred_at = factory.LazyFunction(timezone.now)


class BuyingGroupRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyingGroupRole

    contact = factory.SubFactory(ContactFactory)
    account = factory.LazyAttribute(lambda r: r.contact.account)
    role = BuyingGroupRole.Role.CHAMPION


def reason(code: str) -> ReasonCode:
    return ReasonCode.objects.get(code=code)


def confirm_framework(lead: Lead, key: str = "bant", *, skip: tuple[str, ...] = ()) -> Checklist:
    """Start `key` on the lead and confirm every item the SQL gate needs, except `skip`."""
    framework = Framework.objects.get(key=key)
    checklist, _ = Checklist.objects.get_or_create(lead=lead, framework=framework)
    for item in framework.items.filter(required_for_sql=True).exclude(key__in=skip):
        ChecklistAnswer.objects.update_or_create(
            checklist=checklist,
            item=item,
            defaults={"status": ChecklistAnswer.Status.CONFIRMED, "answer": "confirmed"},
        )
    return checklist


class StageTransitionFactory(factory.django.DjangoModelFactory):
    """An audit row written directly, for data the engine would have made over weeks. The stay
    it ends began an hour before it unless `from_stage_entered_at` says otherwise."""

    class Meta:
        model = StageTransition

    lead = factory.SubFactory(LeadFactory)
    from_stage = Stage.MQL
    to_stage = Stage.SAL
    name = "accept"
    rule = "test"
    occurred_at = factory.LazyFunction(timezone.now)
    from_stage_entered_at = factory.LazyAttribute(lambda t: t.occurred_at - dt.timedelta(hours=1))


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


__all__ = [
    "PASSWORD",
    "Decimal",
    "StageTransition",
    "StageTransitionFactory",
    "UserFactory",
    "SegmentFactory",
    "AccountFactory",
    "ContactFactory",
    "LeadFactory",
    "ActivityFactory",
    "BuyingGroupRoleFactory",
    "reason",
    "confirm_framework",
    "tomorrow",
    "in_days",
]


def rejected_mql(*, segment, first_name: str, code: str, actor, at: dt.datetime) -> Lead:
    """A lead an SDR rejected from MQL at `at`, with the transition the board and metrics read."""
    lead = LeadFactory(
        segment=segment,
        stage=Stage.DISQUALIFIED,
        reason_code=reason(code),
        contact=ContactFactory(first_name=first_name, last_name="Lovelace"),
    )
    StageTransitionFactory(
        lead=lead,
        from_stage=Stage.MQL,
        to_stage=Stage.DISQUALIFIED,
        name="reject",
        actor=actor,
        occurred_at=at,
        reason_code=reason(code),
        note=f"{first_name}: not now",
    )
    return lead
