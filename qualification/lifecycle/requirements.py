"""The checks a transition's table row names, each reading one RequirementContext."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from accounts.models import BuyingGroupRole, IcpTier
from qualification.lifecycle.evidence import Actor, Evidence, has_text
from qualification.lifecycle.survivors import may_survive
from qualification.models import (
    Checklist,
    ChecklistAnswer,
    IntentBand,
    Lead,
    ReasonCode,
    Stage,
)


@dataclass(frozen=True)
class LeadChecklist:
    """One discovery checklist of a lead: its framework and the framework's items the SQL gate
    needs, in the framework's order."""

    pk: int
    created_at: dt.datetime
    framework_id: int
    framework_name: str
    required: tuple[tuple[int, str], ...]  # (item pk, label)


def lead_checklists(lead: Lead) -> tuple[LeadChecklist, ...]:
    """The lead's checklists with their frameworks' SQL items, in one query (a LEFT JOIN: a
    framework without items still has its checklist)."""
    rows = (
        Checklist.objects.filter(lead=lead)
        .order_by("pk", "framework__items__position", "framework__items__pk")
        .values_list(
            "pk",
            "created_at",
            "framework_id",
            "framework__name",
            "framework__items__pk",
            "framework__items__label",
            "framework__items__required_for_sql",
        )
    )
    checklists: dict[int, tuple] = {}
    required: dict[int, list[tuple[int, str]]] = {}
    for pk, created_at, framework_id, name, item_pk, label, for_sql in rows:
        checklists.setdefault(pk, (pk, created_at, framework_id, name))
        items = required.setdefault(pk, [])
        if item_pk is not None and for_sql:
            items.append((item_pk, label))
    return tuple(LeadChecklist(*checklists[pk], required=tuple(required[pk])) for pk in checklists)


@dataclass(frozen=True)
class LeadFacts:
    """What requirements read beyond the lead's own row: its buying group and its discovery.
    Loaded once per lead, so a page asking every transition button what it still needs does not
    query per requirement per button."""

    buying_group_contacts: int  # distinct people mapped in the account's buying group
    has_economic_buyer: bool
    checklists: tuple[LeadChecklist, ...]
    confirmed: frozenset[tuple[int, int]]  # (framework id, item id) of confirmed answers

    @classmethod
    def load(cls, lead: Lead) -> LeadFacts:
        """In three queries (two for a lead without an account)."""
        roles = (
            list(
                BuyingGroupRole.objects.filter(account_id=lead.account_id).values_list(
                    "contact_id", "role"
                )
            )
            if lead.account_id is not None
            else []
        )
        confirmed = ChecklistAnswer.objects.filter(
            checklist__lead=lead, status=ChecklistAnswer.Status.CONFIRMED
        ).values_list("checklist__framework_id", "item_id")
        return cls.of(roles=roles, checklists=lead_checklists(lead), confirmed=confirmed)

    @classmethod
    def of(
        cls,
        *,
        roles: Iterable[tuple[int, str]],
        checklists: tuple[LeadChecklist, ...],
        confirmed: Iterable[tuple[int, int]],
    ) -> LeadFacts:
        """From what a page has loaded already: the account's roles as (contact id, role)."""
        roles = list(roles)
        return cls(
            buying_group_contacts=len({contact_id for contact_id, _role in roles}),
            has_economic_buyer=any(
                role == BuyingGroupRole.Role.ECONOMIC_BUYER for _contact, role in roles
            ),
            checklists=checklists,
            confirmed=frozenset(confirmed),
        )

    @property
    def framework_gaps(self) -> list[str]:
        """For each checklist, the SQL-required items not yet confirmed. Empty when one checklist
        is at its minimum, and also when the lead has no checklist at all (`framework_minimum`
        tells the two apart)."""
        gaps = []
        for checklist in self.checklists:
            missing = [
                label.lower()
                for pk, label in checklist.required
                if (checklist.framework_id, pk) not in self.confirmed
            ]
            if not missing:
                return []
            gaps.append(f"{checklist.framework_name}: {', '.join(missing)} confirmed")
        return gaps


@dataclass
class RequirementContext:
    """What a requirement looks at: the lead as it would be, the actor and the clock, and the
    lead's facts (`preloaded` by a page that asks several buttons, else loaded on first use)."""

    lead: Lead
    evidence: Evidence
    actor: Actor
    now: dt.datetime
    preloaded: LeadFacts | None = None

    @cached_property
    def facts(self) -> LeadFacts:
        return self.preloaded or LeadFacts.load(self.lead)

    def value(self, name: str):
        given = getattr(self.evidence, name)
        if given is not None:
            return given
        return getattr(self.lead, name, None)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Requirement:
    field: str
    label: str  # what the lead page shows as still needed
    problem: Callable[[RequirementContext], str | None]  # a message when unmet, else None


def _has_text(check: RequirementContext, name: str) -> bool:
    return has_text(check.value(name))


def required_text(name: str, label: str, message: str) -> Requirement:
    return Requirement(name, label, lambda c: None if _has_text(c, name) else message)


# Requirements ------------------------------------------------------------------------------


def account_domain(c: RequirementContext) -> str | None:
    account = c.lead.account
    if account is None or not account.domain:
        return "the lead needs an account with a domain"
    return None


def fit(c: RequirementContext) -> str | None:
    if c.lead.fit_tier in (IcpTier.A, IcpTier.B) or _has_text(c, "fit_override"):
        return None
    tier = c.lead.get_fit_tier_display() if c.lead.fit_tier else "unscored"
    return f"fit tier must be A or B (it is {tier}), or give a written override"


def score(c: RequirementContext) -> str | None:
    threshold = c.lead.segment.mql_threshold
    if c.lead.intent_score >= threshold or has_text(c.evidence.manual_review_decision):
        return None
    return (
        f"intent score {c.lead.intent_score} is under the MQL threshold of {threshold}; "
        "a manual-review decision is required"
    )


def owner(c: RequirementContext) -> str | None:
    return None if c.value("owner") is not None else "an owner is required"


def icp_confirmed(c: RequirementContext) -> str | None:
    return None if c.evidence.icp_confirmed else "confirm the account fits the ICP"


def next_action_due(c: RequirementContext) -> str | None:
    due = c.value("next_action_due")
    if due is None:
        return "a due date for the next action is required"
    if due < c.today:
        return "the next action's due date cannot be in the past"
    return None


def reason_code(applies: Callable[[ReasonCode], bool], context: str) -> Callable:
    def problem(c: RequirementContext) -> str | None:
        code = c.evidence.reason_code
        if code is None:
            return "reason code is required"
        if not code.active or not applies(code):
            return f"reason code “{code.label}” does not apply to {context}"
        return None

    return problem


def not_a_timing_code(c: RequirementContext) -> str | None:
    code = c.evidence.reason_code
    if code is not None and code.requires_recycle_date:
        return f"“{code.label}” sends a lead to nurture with a recycle date, not to disqualified"
    return None


def duplicate_code(c: RequirementContext) -> str | None:
    code = c.evidence.reason_code
    if code is None or code.code != "duplicate":
        return "only a duplicate, merged into the lead that survives"
    return None


def timing_code(c: RequirementContext) -> str | None:
    """Rejecting to nurture takes a code that schedules a return (`timing`, or any code RevOps
    marks as needing a recycle date)."""
    code = c.evidence.reason_code
    if code is None:
        return "reason code is required"
    if not code.active or not code.for_rejection or not code.requires_recycle_date:
        return f"“{code.label}” does not send a lead to nurture; use a timing reason"
    return None


def recycle_in_future(c: RequirementContext) -> str | None:
    recycle_on = c.evidence.recycle_on
    if recycle_on is None:
        return "recycle date is required"
    if recycle_on <= c.today:
        return "recycle date must be in the future"
    return None


def surviving_lead(c: RequirementContext) -> str | None:
    code = c.evidence.reason_code
    if code is None or not code.requires_linked_lead:
        return None
    survivor = c.evidence.duplicate_of
    if survivor is None:
        return f"“{code.label}” needs the surviving lead"
    if survivor.pk == c.lead.pk:
        return "a lead cannot be a duplicate of itself"
    if survivor.stage == Stage.DISQUALIFIED:
        return "the surviving lead is itself disqualified"
    if not may_survive(c.lead, survivor):
        where = f"at {survivor.account.name}" if survivor.account_id else "with no account"
        return (
            "the surviving lead must be the same person or at the same account: "
            f"{survivor.contact} {where} is neither"
        )
    return None


def framework_gaps(lead: Lead) -> list[str]:
    """`LeadFacts.framework_gaps` of `lead`, loaded now."""
    return LeadFacts.load(lead).framework_gaps


def framework_minimum(c: RequirementContext) -> str | None:
    gaps = c.facts.framework_gaps
    if not gaps and c.facts.checklists:
        return None
    if not gaps:
        return "a discovery framework at its minimum is required (start a checklist)"
    return "discovery is not at its minimum — " + "; ".join(gaps)


def buying_group_size(lead: Lead) -> int:
    if lead.account_id is None:
        return 0
    return (
        BuyingGroupRole.objects.filter(account_id=lead.account_id)
        .values("contact_id")
        .distinct()
        .count()
    )


def buying_group(c: RequirementContext) -> str | None:
    if c.facts.buying_group_contacts >= 2 or _has_text(c, "single_thread_override"):
        return None
    return (
        "at least two buying-group contacts must be mapped, "
        "or give a written single-thread override"
    )


def next_meeting(c: RequirementContext) -> str | None:
    meeting = c.value("next_meeting_on")
    if meeting is None:
        return "a next meeting date is required"
    if meeting < c.now:
        return "the next meeting cannot be in the past"
    return None


def amount(c: RequirementContext) -> str | None:
    amount = c.value("amount_estimate")
    if amount is None:
        return "an amount estimate is required"
    if amount <= 0:
        return "the amount estimate must be more than zero"
    return None


def close_date(c: RequirementContext) -> str | None:
    close = c.value("expected_close_date")
    if close is None:
        return "an expected close date is required"
    if close < c.today:
        return "the expected close date cannot be in the past"
    return None


def economic_buyer(c: RequirementContext) -> str | None:
    if c.lead.account_id and c.facts.has_economic_buyer:
        return None
    return "an economic buyer must be identified in the buying group"


def recycle_due_or_intent_high(c: RequirementContext) -> str | None:
    if c.lead.intent_band == IntentBand.HIGH:
        return None
    if c.lead.recycle_on is not None and c.lead.recycle_on <= c.today:
        return None
    return "the recycle date has not come and intent is not high"


NOTE = required_text("note", "a note", "a note is required")
