"""The AE's discovery workspace: who may work a lead, the writes it makes, and its red flags.

Every write the lead page makes goes through one function here: it runs in a transaction and
records the acting user (and a change reason where the model keeps history). `red_flags` is pure:
it reads what the page already loaded and says what should worry the AE.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts import roles
from accounts.models import BuyingGroupRole, Contact, IcpTier
from accounts.normalize import email_kind, normalize_email, title_to_persona
from accounts.personas import Function, Seniority
from qualification.lifecycle.evidence import has_text
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    FrameworkItem,
    Lead,
    Stage,
)

# Who may work a lead ---------------------------------------------------------------------------


def can_work_lead(user: AbstractBaseUser, lead: Lead) -> bool:
    """Managers work any lead; an AE or SDR works the leads they own, the leads of the accounts
    they own, and the leads they have moved through a stage."""
    if not user.is_authenticated:
        return False
    if roles.has_role(user, roles.MANAGER):
        return True
    if not roles.has_role(user, roles.AE, roles.SDR):
        return False
    if lead.owner_id == user.pk:
        return True
    if lead.account_id and lead.account.owner_id == user.pk:
        return True
    return lead.transitions.filter(actor_id=user.pk).exists()


# Writes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerEdit:
    """What one save of a checklist item did: the row as it stands, its status before (None
    for a new answer), and the history line written (None when nothing changed)."""

    row: ChecklistAnswer
    previous_status: str | None
    history_line: AnswerHistoryLine | None

    @property
    def text_only(self) -> bool:
        """Only the words changed, on an item whose words nothing else reads: the status is the
        same, the item is not a pain item (vague pain reads its text) and not a red flag (the
        flag quotes its text). The red flags and every transition's needs stay as they were."""
        return (
            self.previous_status == self.row.status
            and self.row.status != ChecklistAnswer.Status.RED_FLAG
            and self.row.item.key not in PAIN_ITEM_KEYS
        )


@dataclass(frozen=True)
class AnswerHistoryLine:
    """One line of the checklist history, as `answer_history` gives them (its fields are the
    simple-history row's that the page shows)."""

    history_date: dt.datetime
    history_user: AbstractBaseUser | None
    history_change_reason: str
    item: FrameworkItem
    answer: str


def save_checklist_answer(
    *,
    lead: Lead,
    item: FrameworkItem,
    actor: AbstractBaseUser,
    status: str,
    answer: str,
    evidence: str,
) -> AnswerEdit:
    """Record one checklist item as the AE typed it; starts the framework's checklist if needed.

    Writes a history row only when something changed, so a debounced autosave that resends the
    same text leaves no noise in the item's history.
    """
    with transaction.atomic():
        # The answer and its checklist in one query when both exist (every autosave but the
        # first of an item); only a new answer looks for, or starts, the checklist.
        row = (
            ChecklistAnswer.objects.select_for_update(of=("self",))
            .filter(checklist__lead=lead, checklist__framework_id=item.framework_id, item=item)
            .first()
        )
        if row is None:
            checklist, _ = Checklist.objects.get_or_create(
                lead=lead, framework_id=item.framework_id
            )
            row = ChecklistAnswer(checklist=checklist, item=item)
        elif (row.status, row.answer, row.evidence) == (status, answer, evidence):
            row.item = item
            return AnswerEdit(row=row, previous_status=row.status, history_line=None)
        previous_status = row.status if row.pk else None
        previous = row.get_status_display() if row.pk else None
        row.status, row.answer, row.evidence = status, answer, evidence
        row.item = item
        row._history_user = actor
        row._history_date = timezone.now()
        current = row.get_status_display()
        if previous is None:
            reason = f"{item.label}: {current}"
        elif previous != current:
            reason = f"{item.label}: {previous} → {current}"
        else:
            reason = f"{item.label}: answer edited"
        row._change_reason = reason[:100]
        row.save()
    line = AnswerHistoryLine(
        history_date=row._history_date,
        history_user=actor,
        history_change_reason=row._change_reason,
        item=item,
        answer=row.answer,
    )
    return AnswerEdit(row=row, previous_status=previous_status, history_line=line)


def add_discovery_note(*, lead: Lead, author: AbstractBaseUser, body: str) -> DiscoveryNote:
    body = body.strip()
    if not has_text(body):
        raise ValueError("a discovery note needs some text")
    return DiscoveryNote.objects.create(lead=lead, author=author, body=body)


class BuyingGroupError(ValueError):
    """A buying-group change that cannot be made; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass
class NewContact:
    first_name: str
    last_name: str
    email: str = ""
    title: str = ""


def map_buying_group_role(
    *,
    lead: Lead,
    actor: AbstractBaseUser,
    role: str,
    sentiment: str,
    contact: Contact | None = None,
    new_contact: NewContact | None = None,
    notes: str = "",
) -> BuyingGroupRole:
    """Put a contact of the lead's account (an existing one, or one added now) in a buying-group
    role. A person already in that role is refused, saying so: their sentiment is changed from
    the table (`change_buying_group_role`), not by adding them again."""
    if lead.account_id is None:
        raise BuyingGroupError("contact", "the lead has no account to map a buying group in")
    with transaction.atomic():
        if new_contact is not None:
            contact = _create_contact(lead, actor, new_contact)
        if contact is None:
            raise BuyingGroupError("contact", "choose a contact or add a new one")
        if contact.account_id != lead.account_id:
            raise BuyingGroupError("contact", "that contact works at another account")
        mapped = BuyingGroupRole(
            account_id=lead.account_id, contact=contact, role=role, sentiment=sentiment, notes=notes
        )
        already = BuyingGroupError(
            "role",
            f"{contact} is already in the buying group as {mapped.get_role_display()}; "
            "change their sentiment in the table instead",
        )
        if BuyingGroupRole.objects.filter(
            account_id=lead.account_id, contact=contact, role=role
        ).exists():
            raise already
        mapped._history_user = actor
        mapped._change_reason = (
            f"Mapped on lead {lead.pk}: "
            f"{mapped.get_role_display()}, {mapped.get_sentiment_display()}"
        )[:100]
        try:
            with transaction.atomic():  # someone else may have added them a moment ago
                mapped.save()
        except IntegrityError:
            raise already from None
    return mapped


def _create_contact(lead: Lead, actor: AbstractBaseUser, data: NewContact) -> Contact:
    first, last = (
        name.strip() if has_text(name) else "" for name in (data.first_name, data.last_name)
    )
    if not (first or last):
        raise BuyingGroupError("first_name", "a new contact needs a name")
    email = normalize_email(data.email) or None
    if email and Contact.objects.filter(email=email).exists():
        raise BuyingGroupError("email", "a contact with that email already exists")
    function, seniority = title_to_persona(data.title)
    contact = Contact(
        account_id=lead.account_id,
        first_name=first,
        last_name=last,
        email=email,
        email_kind=email_kind(email) if email else "",
        title=data.title.strip(),
        persona_function=function,
        persona_seniority=seniority,
    )
    contact._history_user = actor
    contact._change_reason = f"Added to the buying group from lead {lead.pk}"
    contact.save()
    return contact


def change_buying_group_role(
    *, role: BuyingGroupRole, actor: AbstractBaseUser, sentiment: str
) -> BuyingGroupRole:
    role.sentiment = sentiment
    role._history_user = actor
    role._change_reason = f"Sentiment: {role.get_sentiment_display()}"
    role.save(update_fields=["sentiment", "updated_at"])
    return role


def remove_buying_group_role(*, role: BuyingGroupRole, actor: AbstractBaseUser) -> None:
    role._history_user = actor
    role._change_reason = f"Removed {role.get_role_display()}"
    role.delete()


# Reads for the lead page -------------------------------------------------------------------------


def chosen_framework(lead: Lead, frameworks: Sequence[Framework], key: str | None) -> Framework:
    """The framework the page shows: the one asked for, else the one the lead's discovery last
    used, else the first active one."""
    latest = None
    if key not in {framework.key for framework in frameworks}:
        latest = Checklist.objects.filter(lead=lead).order_by("-created_at", "-pk").first()
    return pick_framework(frameworks, key, latest.framework_id if latest else None)


def pick_framework(
    frameworks: Sequence[Framework], key: str | None, latest_framework_id: int | None
) -> Framework:
    """`chosen_framework` from what the page loaded: the framework of the lead's latest
    checklist is `latest_framework_id`."""
    by_key = {framework.key: framework for framework in frameworks}
    if key in by_key:
        return by_key[key]
    if latest_framework_id in {f.pk for f in frameworks}:
        return next(f for f in frameworks if f.pk == latest_framework_id)
    return frameworks[0]


def rows_of(
    framework: Framework, answers: Iterable[ChecklistAnswer]
) -> list[tuple[FrameworkItem, ChecklistAnswer]]:
    """Each item of `framework` with the lead's answer among `answers` (an unsaved blank one
    when none yet), from what the page loaded (the framework's items prefetched)."""
    by_item = {answer.item_id: answer for answer in answers}
    rows = []
    for item in framework.items.all():
        answer = by_item.get(item.pk) or ChecklistAnswer()
        answer.item = item  # already loaded: spares one query per answer
        rows.append((item, answer))
    return rows


def answer_history(lead: Lead, limit: int = 50) -> list:
    """Who changed which checklist item, when, newest first (simple-history rows)."""
    return list(
        ChecklistAnswer.history.filter(checklist__lead=lead)
        .select_related("history_user", "item__framework")
        .order_by("-history_date", "-history_id")[:limit]
    )


def buying_group(lead: Lead) -> tuple[list[BuyingGroupRole], list[Contact]]:
    """The account's mapped roles and its contacts (for the "add a role" form)."""
    if lead.account_id is None:
        return [], []
    contacts = list(Contact.objects.filter(account_id=lead.account_id).order_by("last_name", "pk"))
    return account_roles(account_id=lead.account_id, contacts=contacts), contacts


def account_roles(*, account_id: int, contacts: Iterable[Contact]) -> list[BuyingGroupRole]:
    """The account's mapped roles in one query, each given its contact from `contacts` (the
    account's, already loaded) rather than loading them again."""
    by_pk = {contact.pk: contact for contact in contacts}
    mapped = list(
        BuyingGroupRole.objects.filter(account_id=account_id).order_by("contact_id", "role")
    )
    for role in mapped:
        role.contact = by_pk[role.contact_id]
    return mapped


def mapped_roles(lead: Lead) -> list[BuyingGroupRole]:
    """`buying_group`'s roles alone, each with its contact, in one query."""
    if lead.account_id is None:
        return []
    return list(
        BuyingGroupRole.objects.filter(account_id=lead.account_id)
        .select_related("contact")
        .order_by("contact_id", "role")
    )


def frameworks_for_page() -> list[Framework]:
    return list(
        Framework.objects.filter(active=True)
        .order_by("name", "pk")
        .prefetch_related(Prefetch("items", queryset=FrameworkItem.objects.order_by("position")))
    )


# Warnings and red flags ---------------------------------------------------------------------------

HIGH_POWER_ROLES = {BuyingGroupRole.Role.ECONOMIC_BUYER, BuyingGroupRole.Role.DECISION_MAKER}
HIGH_POWER_SENIORITY = {Seniority.C_LEVEL, Seniority.VP}
# Checklist items that hold the pain, across the seeded frameworks and any that reuse the keys.
PAIN_ITEM_KEYS = {"need", "pain", "identify_pain", "challenges", "challenge", "pains"}
VAGUE_PAIN_MIN_CHARS = 25
VAGUE_WORDS = re.compile(
    r"\b(tbd|tbc|unknown|not sure|unsure|maybe|general|various|explore|exploring|"
    r"looking around|curious|n/?a)\b",
    re.IGNORECASE,
)
PROPOSAL_WORDS = re.compile(r"\b(proposal|quote|quotation|rfp|contract|pricing sheet)\b", re.I)


@dataclass(frozen=True)
class Flag:
    key: str
    message: str


@dataclass(frozen=True)
class Suggestion:
    """A person at the account who is in no buying group, and the seat their title points to."""

    contact: Contact
    role: str

    @property
    def role_label(self) -> str:
        return BuyingGroupRole.Role(self.role).label

    @property
    def message(self) -> str:
        who = f"{self.contact}, {self.contact.title}" if self.contact.title else str(self.contact)
        return f"{who}, is at this account but in no buying group: {self.role_label.lower()}?"


_SENIOR = {Seniority.C_LEVEL, Seniority.VP, Seniority.DIRECTOR}
# The seats a title can point to, the one a deal most needs filled first.
SEAT_PRIORITY = (
    BuyingGroupRole.Role.ECONOMIC_BUYER,
    BuyingGroupRole.Role.DECISION_MAKER,
    BuyingGroupRole.Role.TECHNICAL_EVALUATOR,
    BuyingGroupRole.Role.PROCUREMENT,
    BuyingGroupRole.Role.INFLUENCER,
)
_PROCUREMENT_WORDS = re.compile(r"procure|purchas|sourcing", re.IGNORECASE)


def _seat_for(contact: Contact) -> str | None:
    """The buying-group seat a person's persona suggests, or None (the title says too little)."""
    function, seniority = contact.persona_function, contact.persona_seniority
    Role = BuyingGroupRole.Role
    if function == Function.FINANCE and seniority in _SENIOR:
        return Role.ECONOMIC_BUYER
    if _PROCUREMENT_WORDS.search(contact.title or ""):
        return Role.PROCUREMENT
    if seniority in HIGH_POWER_SENIORITY or function == Function.EXECUTIVE:
        return Role.DECISION_MAKER
    if function == Function.IT_ENGINEERING and seniority != Seniority.STUDENT:
        return Role.TECHNICAL_EVALUATOR
    if seniority in (Seniority.DIRECTOR, Seniority.MANAGER):
        return Role.INFLUENCER
    return None


def stakeholder_suggestions(
    *, mapped: Iterable[BuyingGroupRole], contacts: Iterable[Contact]
) -> list[Suggestion]:
    """Who is missing from the buying group: the account's known people who hold no seat, each
    with the seat their persona points to. Seats nobody holds yet come first (an economic buyer
    before a second influencer), then by the contacts' order. Reads nothing."""
    mapped = list(mapped)
    seated = {role.contact_id for role in mapped}
    held = {role.role for role in mapped}
    suggestions = [
        Suggestion(contact, seat)
        for contact in contacts
        if contact.pk not in seated and (seat := _seat_for(contact)) is not None
    ]
    return sorted(
        suggestions,
        key=lambda suggestion: (suggestion.role in held, SEAT_PRIORITY.index(suggestion.role)),
    )


@dataclass(frozen=True)
class Coverage:
    """How well the buying group covers an account: who is missing, and the warnings."""

    suggestions: list[Suggestion]
    warnings: list[Flag]


def coverage(*, mapped: Iterable[BuyingGroupRole], contacts: Iterable[Contact]) -> Coverage:
    mapped = list(mapped)
    suggestions = stakeholder_suggestions(mapped=mapped, contacts=contacts)
    return Coverage(suggestions, buying_group_warnings(mapped, suggestions=suggestions))


def buying_group_warnings(
    mapped: Iterable[BuyingGroupRole], *, suggestions: Sequence[Suggestion] = ()
) -> list[Flag]:
    """Single-threaded, no economic buyer: each naming who could close the gap, if anyone."""
    mapped = list(mapped)
    warnings = []
    no_buyer = not any(role.role == BuyingGroupRole.Role.ECONOMIC_BUYER for role in mapped)
    buyer = next((s for s in suggestions if s.role == BuyingGroupRole.Role.ECONOMIC_BUYER), None)
    if len({role.contact_id for role in mapped}) < 2:
        text = "Single-threaded: fewer than two people are mapped in the buying group."
        # Name someone the economic-buyer warning below does not already name.
        other = next((s for s in suggestions if not (no_buyer and s is buyer)), None)
        if other is not None:
            text += f" {_sentence(other.message)}"
        warnings.append(Flag("single_threaded", text))
    if no_buyer:
        text = "No economic buyer is identified yet."
        if buyer is not None:
            text += f" {_sentence(buyer.message)}"
        warnings.append(Flag("no_economic_buyer", text))
    return warnings


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def red_flags(
    *,
    lead: Lead,
    answers: Iterable[ChecklistAnswer],
    mapped: Iterable[BuyingGroupRole],
    activities: Iterable[Activity],
    has_notes: bool,
    now: dt.datetime,
) -> list[Flag]:
    """What should worry the AE, from the checklist, the buying group and the activity.

    `answers` carry their `item`; `mapped` roles carry their `contact`. Reads nothing else.
    """
    answers = [answer for answer in answers if answer.pk or answer.answer or answer.evidence]
    mapped = list(mapped)
    flags: list[Flag] = []

    for answer in answers:
        if answer.status == ChecklistAnswer.Status.RED_FLAG:
            text = f": {answer.answer.strip()}" if answer.answer.strip() else ""
            flags.append(
                Flag(f"item_{answer.item.key}", f"{answer.item.label} is a red flag{text}")
            )

    pain = [answer for answer in answers if answer.item.key in PAIN_ITEM_KEYS]
    if pain and all(_vague(answer.answer) for answer in pain):
        flags.append(Flag("vague_pain", "Vague pain: no specific problem in the buyer's words."))

    for role in mapped:
        if role.role in HIGH_POWER_ROLES and role.sentiment == BuyingGroupRole.Sentiment.NEGATIVE:
            flags.append(
                Flag(
                    f"negative_{role.role}",
                    f"The {role.get_role_display().lower()}, {role.contact}, is negative.",
                )
            )

    contacts = {role.contact_id: role.contact for role in mapped}
    if len(contacts) < 2:
        high_power = any(role.role in HIGH_POWER_ROLES for role in mapped) or any(
            contact.persona_seniority in HIGH_POWER_SENIORITY for contact in contacts.values()
        )
        if not mapped:
            high_power = lead.contact.persona_seniority in HIGH_POWER_SENIORITY
        if not high_power:
            flags.append(
                Flag(
                    "single_threaded_low_power",
                    "Single-threaded through someone without budget or signing power.",
                )
            )

    if lead.stage in (Stage.SAL, Stage.SQL) and (
        lead.next_meeting_on is None or lead.next_meeting_on < now
    ):
        flags.append(Flag("no_next_meeting", "No next meeting is booked."))

    if lead.fit_tier not in (IcpTier.A, IcpTier.B):
        tier = lead.get_fit_tier_display() if lead.fit_tier else "unscored"
        flags.append(Flag("icp_mismatch", f"ICP mismatch: the account is {tier}."))

    confirmed = any(answer.status == ChecklistAnswer.Status.CONFIRMED for answer in answers)
    if not confirmed and not has_notes and _asked_for_proposal(lead, activities):
        flags.append(
            Flag(
                "proposal_before_discovery",
                "A proposal or quote was asked for before any discovery.",
            )
        )
    return flags


def _vague(text: str) -> bool:
    text = text.strip()
    return len(text) < VAGUE_PAIN_MIN_CHARS or bool(VAGUE_WORDS.search(text))


def _asked_for_proposal(lead: Lead, activities: Iterable[Activity]) -> bool:
    if any(PROPOSAL_WORDS.search(activity.detail or "") for activity in activities):
        return True
    return any(PROPOSAL_WORDS.search(str(value)) for value in (lead.form_answers or {}).values())
