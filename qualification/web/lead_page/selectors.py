"""What the lead page reads: the whole page from one selector, `lead_page`, and each htmx partial
from its own small loader (`autosave_fragment`, `notes_fragment`, `buying_group_fragment`), so an
autosave does not rebuild the page.

Both read the lead's discovery once (every answer, the checklists with their SQL items, the
mapped buying group) and hand it to the red flags and, as one `LeadFacts`, to every transition
button's requirements: the query count does not grow with the buttons, the requirements, the
activities, the answers or the contacts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import BuyingGroupRole, Contact
from qualification.discovery import services as discovery
from qualification.duplicates.candidates import may_review, open_candidates_of
from qualification.lifecycle.engine import unmet_requirements
from qualification.lifecycle.requirements import LeadChecklist, LeadFacts, lead_checklists
from qualification.lifecycle.scope import scope_refusal
from qualification.lifecycle.survivors import likely_survivors
from qualification.lifecycle.table import Transition, transitions_from
from qualification.matching.companies import render_reasons
from qualification.models import (
    AccountMatch,
    Activity,
    ChecklistAnswer,
    DiscoveryNote,
    DuplicateCandidate,
    Framework,
    FrameworkItem,
    Lead,
    ReasonCode,
    StageTransition,
)
from qualification.web.lead_page.forms import (
    AnswerForm,
    BuyingGroupForm,
    NoteForm,
    TransitionForm,
)

TIMELINE_LIMIT = 100
NOTES_LIMIT = 100


def load_lead(pk: int) -> Lead:
    """The lead with everything its header and brief show, in one query (404 when missing)."""
    return get_object_or_404(
        Lead.objects.with_brief().select_related("duplicate_of__contact"), pk=pk
    )


# What the page and the autosave both read -------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A transition the user may run from the lead's stage, and what it still needs (the
    engine's own messages, before any evidence is typed)."""

    row: Transition
    needs: tuple[str, ...]


def _moves(
    lead: Lead, user: AbstractBaseUser, facts: LeadFacts
) -> tuple[tuple[Move, ...], str | None]:
    """The moves open to `user`, and why none is when the MQL is another queue's: the scope is
    asked once for every row, and every row's requirements read the same `facts`."""
    refusal = scope_refusal(user=user, lead=lead)
    moves = []
    for row in transitions_from(lead.stage):
        if not row.permission or not row.allows(user, lead, in_scope=refusal is None):
            continue
        needs = unmet_requirements(lead=lead, transition=row, actor=user, facts=facts)
        moves.append(Move(row=row, needs=tuple(m for messages in needs.values() for m in messages)))
    return tuple(moves), refusal


def _timeline(lead: Lead) -> list[Activity]:
    """The latest activities of the lead and of its contact, one more than shown (to say the
    list is cut)."""
    return list(
        Activity.objects.filter(Q(lead=lead) | Q(contact_id=lead.contact_id, lead__isnull=True))
        .select_related("actor")
        .order_by("-occurred_at", "-pk")[: TIMELINE_LIMIT + 1]
    )


def _answers(lead: Lead) -> list[ChecklistAnswer]:
    """Every answer of the lead, each with its item and checklist: the shown framework's rows,
    the flags and the confirmed items of `LeadFacts` read the same list."""
    return list(
        ChecklistAnswer.objects.filter(checklist__lead=lead).select_related("item", "checklist")
    )


def _facts(
    mapped: list[BuyingGroupRole],
    checklists: tuple[LeadChecklist, ...],
    answers: list[ChecklistAnswer],
) -> LeadFacts:
    return LeadFacts.of(
        roles=[(role.contact_id, role.role) for role in mapped],
        checklists=checklists,
        confirmed=[
            (answer.checklist.framework_id, answer.item_id)
            for answer in answers
            if answer.status == ChecklistAnswer.Status.CONFIRMED
        ],
    )


def _latest_framework_id(checklists: tuple[LeadChecklist, ...]) -> int | None:
    latest = max(
        checklists, key=lambda checklist: (checklist.created_at, checklist.pk), default=None
    )
    return latest.framework_id if latest else None


def _of_framework(answers: list[ChecklistAnswer], framework_id: int) -> list[ChecklistAnswer]:
    return [answer for answer in answers if answer.checklist.framework_id == framework_id]


# The page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadPage:
    lead: Lead
    now: dt.datetime
    can_work: bool
    timeline: list[Activity]  # as shown, at most TIMELINE_LIMIT
    timeline_truncated: bool
    transitions: list[StageTransition]
    frameworks: list[Framework]
    framework: Framework | None
    rows: list[tuple[FrameworkItem, ChecklistAnswer]]
    notes: list[DiscoveryNote]
    mapped: list[BuyingGroupRole]
    contacts: list[Contact]
    flags: list[discovery.Flag]
    answer_history: list
    moves: tuple[Move, ...]
    outside_scope: str | None  # why an SDR who works this MQL may not accept or reject it
    reason_codes: list[ReasonCode]
    survivors: list[Lead]  # for the duplicate picker, when a move asks for one
    duplicates: list[tuple[DuplicateCandidate, Lead]]  # open pairs, each with the other lead
    may_review_duplicates: bool
    account_match: AccountMatch | None = None  # how the lead found its account, latest first

    def as_context(
        self,
        *,
        note_form: NoteForm | None = None,
        group_form: BuyingGroupForm | None = None,
        transition_form: TransitionForm | None = None,
    ) -> dict:
        """The template's context; a view re-rendering a refused form passes it bound."""
        return {
            "lead": self.lead,
            "now": self.now,
            "can_work": self.can_work,
            "timeline": self.timeline,
            "timeline_truncated": self.timeline_truncated,
            "transitions": self.transitions,
            "frameworks": self.frameworks,
            "framework": self.framework,
            "rows": [
                (item, answer, AnswerForm(initial=_answer_initial(answer)))
                for item, answer in self.rows
            ],
            "notes": self.notes[:NOTES_LIMIT],
            "note_form": note_form or NoteForm(),
            "mapped": self.mapped,
            "contacts": self.contacts,
            "group_form": group_form or BuyingGroupForm(contacts=self.contacts),
            "sentiments": BuyingGroupRole.Sentiment.choices,
            **_coverage(self.mapped, self.contacts),
            "flags": self.flags,
            "answer_history": self.answer_history,
            "actions": self._actions(transition_form),
            "outside_scope": self.outside_scope,
            "duplicates": self.duplicates,
            "may_review_duplicates": self.may_review_duplicates,
            "account_match": self.account_match,
            "account_match_why": (
                render_reasons(self.account_match.reasons) if self.account_match else ""
            ),
        }

    def _actions(self, bound: TransitionForm | None) -> list[dict]:
        """Each move with its evidence form (the refused one bound and open)."""
        actions = []
        for move in self.moves:
            form = (
                bound
                if bound is not None and bound.transition == move.row.name
                else TransitionForm(
                    transition=move.row.name,
                    reason_codes=self.reason_codes,
                    survivors=self.survivors,
                    initial=_initial(self.lead),
                )
            )
            actions.append(
                {
                    "row": move.row,
                    "label": move.row.label,
                    "form": form,
                    "needs": list(move.needs),
                    "open": form.is_bound,
                }
            )
        return actions


def lead_page(*, lead: Lead, user: AbstractBaseUser, framework_key: str | None = None) -> LeadPage:
    """Everything the lead page shows, in a fixed number of queries (`load_lead` gives `lead`).

    `framework_key` picks the checklist shown; else the lead's latest, else the first active."""
    now = timezone.now()
    can_work = discovery.can_work_lead(user, lead)
    timeline = _timeline(lead)
    frameworks = discovery.frameworks_for_page()
    checklists = lead_checklists(lead)
    framework = (
        discovery.pick_framework(frameworks, framework_key, _latest_framework_id(checklists))
        if frameworks
        else None
    )
    answers = _answers(lead)
    rows = discovery.rows_of(framework, _of_framework(answers, framework.pk)) if framework else []
    notes = list(lead.discovery_notes.select_related("author").order_by("-created_at", "-pk"))
    mapped, contacts = discovery.buying_group(lead)
    moves, refusal = (
        _moves(lead, user, _facts(mapped, checklists, answers)) if can_work else ((), None)
    )
    survivors = []
    if any("duplicate_of" in move.row.evidence for move in moves):
        survivors = likely_survivors(lead)
    return LeadPage(
        lead=lead,
        now=now,
        can_work=can_work,
        timeline=timeline[:TIMELINE_LIMIT],
        timeline_truncated=len(timeline) > TIMELINE_LIMIT,
        transitions=list(
            lead.transitions.select_related("actor", "reason_code").order_by("occurred_at", "pk")
        ),
        frameworks=frameworks,
        framework=framework,
        rows=rows,
        notes=notes,
        mapped=mapped,
        contacts=contacts,
        flags=discovery.red_flags(
            lead=lead,
            answers=[answer for _item, answer in rows],
            mapped=mapped,
            activities=timeline,
            has_notes=bool(notes),
            now=now,
        ),
        answer_history=discovery.answer_history(lead),
        moves=moves,
        outside_scope=refusal if can_work and not moves else None,
        reason_codes=list(ReasonCode.objects.filter(active=True).order_by("position", "pk")),
        account_match=(
            lead.account_matches.select_related("account__owner", "resolved_by")
            .order_by("-created_at", "-pk")
            .first()
        ),
        survivors=survivors,
        duplicates=open_candidates_of([lead.pk])[lead.pk],
        may_review_duplicates=may_review(user=user),
    )


def _initial(lead: Lead) -> dict:
    meeting = lead.next_meeting_on
    return {
        "next_meeting_on": timezone.localtime(meeting) if meeting else None,
        "single_thread_override": lead.single_thread_override,
        "amount_estimate": lead.amount_estimate,
        "expected_close_date": lead.expected_close_date,
        "mutual_next_step": lead.mutual_next_step,
        "next_action": lead.next_action,
        "next_action_due": lead.next_action_due,
    }


def _answer_initial(answer: ChecklistAnswer) -> dict:
    return {"status": answer.status, "answer": answer.answer, "evidence": answer.evidence}


# The partials: the checklist autosave, the notes, the buying group ------------------------------


@dataclass(frozen=True)
class Live:
    """What every partial also answers with, out of band: the red flags and what each button
    still needs."""

    flags: list[discovery.Flag]
    moves: tuple[Move, ...]

    def as_context(self) -> dict:
        return {"flags": self.flags, "actions": list(self.moves)}


def _shown_framework_id(
    checklists: tuple[LeadChecklist, ...], framework: Framework | None
) -> int | None:
    """The checklist the page shows once it reloads (`pick_framework`): `framework` while it is
    active, else the lead's latest checklist's while active, else the first active one."""
    if framework is not None and framework.active:
        return framework.pk
    active = list(
        Framework.objects.filter(active=True).order_by("name", "pk").values_list("pk", flat=True)
    )
    latest = _latest_framework_id(checklists)
    if not active:
        return None
    return latest if latest in active else active[0]


def _live(
    lead: Lead,
    user: AbstractBaseUser,
    *,
    framework: Framework | None,
    mapped: list[BuyingGroupRole],
    has_notes: bool,
) -> Live:
    """The flags and the buttons' needs for `user`, who works `lead` (the view checked), from
    the answers, the checklists and the activities: three queries, the permissions (two, once
    per request) and the queue scope (an SDR's MQL); one more when the shown framework is not
    `framework`."""
    now = timezone.now()
    answers = _answers(lead)
    checklists = lead_checklists(lead)
    framework_id = _shown_framework_id(checklists, framework)
    shown = sorted(
        _of_framework(answers, framework_id) if framework_id else [],
        key=lambda answer: (answer.item.position, answer.item.pk),
    )
    moves, _refusal = _moves(lead, user, _facts(mapped, checklists, answers))
    flags = discovery.red_flags(
        lead=lead,
        answers=shown,
        mapped=mapped,
        activities=_timeline(lead),
        has_notes=has_notes,
        now=now,
    )
    return Live(flags=flags, moves=moves)


@dataclass(frozen=True)
class AutosaveFragment:
    """What an autosave answers with: the item's saved state, and out of band the flags, what
    each button still needs and the checklist history."""

    lead: Lead
    item: FrameworkItem
    answer: ChecklistAnswer | None  # None when the form was refused
    error: list | None
    live: Live
    answer_history: list

    def as_context(self) -> dict:
        return {
            "lead": self.lead,
            "item": self.item,
            "answer": self.answer,
            "error": self.error,
            "answer_history": self.answer_history,
            **self.live.as_context(),
        }


def autosave_fragment(
    *,
    lead: Lead,
    user: AbstractBaseUser,
    item: FrameworkItem,
    answer: ChecklistAnswer | None,
    error: list | None = None,
) -> AutosaveFragment:
    """After saving `item` (with its framework): eight queries for an AE's lead."""
    return AutosaveFragment(
        lead=lead,
        item=item,
        answer=answer,
        error=error,
        live=_live(
            lead,
            user,
            framework=item.framework,
            mapped=discovery.mapped_roles(lead),
            has_notes=lead.discovery_notes.exists(),
        ),
        answer_history=discovery.answer_history(lead),
    )


@dataclass(frozen=True)
class NotesFragment:
    lead: Lead
    notes: list[DiscoveryNote]
    live: Live

    def as_context(self, *, note_form: NoteForm | None = None) -> dict:
        return {
            "lead": self.lead,
            "can_work": True,
            "notes": self.notes[:NOTES_LIMIT],
            "note_form": note_form or NoteForm(),
            **self.live.as_context(),
        }


def notes_fragment(*, lead: Lead, user: AbstractBaseUser) -> NotesFragment:
    """The notes section after a note is added (or refused), for `user`, who works `lead`."""
    notes = list(lead.discovery_notes.select_related("author").order_by("-created_at", "-pk"))
    live = _live(
        lead, user, framework=None, mapped=discovery.mapped_roles(lead), has_notes=bool(notes)
    )
    return NotesFragment(lead=lead, notes=notes, live=live)


@dataclass(frozen=True)
class BuyingGroupFragment:
    lead: Lead
    mapped: list[BuyingGroupRole]
    contacts: list[Contact]
    live: Live

    def as_context(self, *, group_form: BuyingGroupForm | None = None) -> dict:
        return {
            "lead": self.lead,
            "can_work": True,
            "mapped": self.mapped,
            "contacts": self.contacts,
            "group_form": group_form or BuyingGroupForm(contacts=self.contacts),
            "sentiments": BuyingGroupRole.Sentiment.choices,
            **_coverage(self.mapped, self.contacts),
            **self.live.as_context(),
        }


def buying_group_fragment(*, lead: Lead, user: AbstractBaseUser) -> BuyingGroupFragment:
    """The buying-group section after a change (or a refusal), for `user`, who works `lead`."""
    mapped, contacts = discovery.buying_group(lead)
    live = _live(lead, user, framework=None, mapped=mapped, has_notes=lead.discovery_notes.exists())
    return BuyingGroupFragment(lead=lead, mapped=mapped, contacts=contacts, live=live)


def _coverage(mapped: list[BuyingGroupRole], contacts: list[Contact]) -> dict:
    """Who is missing from the buying group, and the warnings that name them."""
    found = discovery.coverage(mapped=mapped, contacts=contacts)
    return {"suggestions": found.suggestions, "group_warnings": found.warnings}
