"""What the duplicates review shows: pairs side by side, and a merge with what undo needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from qualification.duplicates.candidates import visible_candidates
from qualification.duplicates.merge import DETECTION, FIELDS_BY_KEY, choosable, undo_blockers
from qualification.lifecycle.scope import is_limited
from qualification.models import (
    Checklist,
    ChecklistAnswer,
    DuplicateCandidate,
    DuplicateMerge,
    Lead,
    Stage,
)

PER_PAGE = 20
# How far along a lead is: the default survivor is the one further along, then the older.
_PROGRESS = {
    Stage.OPPORTUNITY: 6,
    Stage.SQL: 5,
    Stage.SAL: 4,
    Stage.MQL: 3,
    Stage.NEW: 2,
    Stage.NURTURE: 1,
    Stage.DISQUALIFIED: 0,
}
_LEADS = ("contact", "account", "owner", "segment")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    a: str
    b: str
    choosable: bool  # a person picks whose value the survivor keeps

    @property
    def differs(self) -> bool:
        return self.a != self.b


@dataclass
class PairView:
    candidate: DuplicateCandidate
    a: Lead
    b: Lead
    rows: list[Row]

    @property
    def default_survivor(self) -> Lead:
        a, b = self.a, self.b
        return max((a, b), key=lambda lead: (_PROGRESS[lead.stage], -lead.pk))

    @property
    def default_merged(self) -> Lead:
        return self.b if self.default_survivor is self.a else self.a


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "Unassigned"


def _open_work(lead: Lead) -> str:
    parts = []
    if lead.next_action:
        due = f" (due {lead.next_action_due:%d %b})" if lead.next_action_due else ""
        parts.append(f"{lead.next_action}{due}")
    if getattr(lead, "open_items", 0):
        parts.append(f"{lead.open_items} open checklist item{'s' if lead.open_items != 1 else ''}")
    return " · ".join(parts) or "None"


def _cells(lead: Lead) -> dict[str, str]:
    contact = lead.contact
    return {
        "name": contact.full_name or "—",
        "email": contact.email or "—",
        "phone": contact.phone or "—",
        "title": contact.title or "—",
        "account": lead.account.name if lead.account_id else "No account",
        "country": contact.country or (lead.account.country if lead.account_id else "") or "—",
        "stage": f"{lead.get_stage_display()} in {lead.segment.name}",
        "owner": _person(lead.owner),
        "last_activity": (
            f"{lead.last_activity_at:%d %b %Y %H:%M}" if lead.last_activity_at else "None"
        ),
        "next_action": _open_work(lead),
    }


_ROWS = (
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("title", "Title"),
    ("account", "Account"),
    ("country", "Country"),
    ("stage", "Stage"),
    ("owner", "Owner"),
    ("last_activity", "Last activity"),
    ("next_action", "Open work"),
)


def _rows(a: Lead, b: Lead) -> list[Row]:
    cells_a, cells_b = _cells(a), _cells(b)
    picks = {field.key for field in choosable(a, b)}
    return [
        Row(key, label, cells_a[key], cells_b[key], key in picks and key in FIELDS_BY_KEY)
        for key, label in _ROWS
    ]


def _with_open_items(leads: list[Lead]) -> None:
    """Each lead's checklist items not yet confirmed, in one query for all of them."""
    counts: dict[int, int] = {}
    checklists = (
        Checklist.objects.filter(lead__in=[lead.pk for lead in leads])
        .values("lead_id")
        .annotate(
            items=Count("framework__items", distinct=True),
            confirmed=Count(
                "answers",
                filter=Q(answers__status=ChecklistAnswer.Status.CONFIRMED),
                distinct=True,
            ),
        )
    )
    for row in checklists:
        counts[row["lead_id"]] = counts.get(row["lead_id"], 0) + row["items"] - row["confirmed"]
    for lead in leads:
        lead.open_items = counts.get(lead.pk, 0)


def _pairs(candidates: list[DuplicateCandidate]) -> list[PairView]:
    leads = [lead for c in candidates for lead in (c.lead_a, c.lead_b)]
    if leads:
        _with_open_items(leads)
    return [PairView(c, c.lead_a, c.lead_b, _rows(c.lead_a, c.lead_b)) for c in candidates]


def _candidates(user: AbstractBaseUser):
    return visible_candidates(user=user).select_related(
        *(f"lead_a__{name}" for name in _LEADS), *(f"lead_b__{name}" for name in _LEADS)
    )


@dataclass
class DuplicatesPage:
    pairs: list[PairView]
    page: Page
    limited: bool
    automatic_merges: list[DuplicateMerge]

    def as_context(self) -> dict:
        return {
            "pairs": self.pairs,
            "page_obj": self.page,
            "limited": self.limited,
            "automatic_merges": self.automatic_merges,
        }


AUTOMATIC_MERGES_SHOWN = 10


def _automatic_merges(user: AbstractBaseUser) -> list[DuplicateMerge]:
    """The latest merges detection made by itself and nobody has undone, each linking to its
    page (and its Undo); for an SDR, those whose kept lead they own, as `load_merge` lets them
    open. One query."""
    merges = DuplicateMerge.objects.filter(rule=DETECTION.name, undone_at=None)
    if is_limited(user):
        merges = merges.filter(survivor__owner=user)
    return list(
        merges.select_related("survivor__contact", "merged__contact").order_by("-merged_at", "-pk")[
            :AUTOMATIC_MERGES_SHOWN
        ]
    )


def duplicates_page(*, user: AbstractBaseUser, page_number: str | int | None) -> DuplicatesPage:
    """The open pairs `user` may review, strongest first, a page of them side by side."""
    paginator = Paginator(_candidates(user).open().order_by("-score", "pk"), PER_PAGE)
    page = paginator.get_page(page_number)
    return DuplicatesPage(
        _pairs(list(page.object_list)), page, is_limited(user), _automatic_merges(user)
    )


def pair_view(*, pk: int, user: AbstractBaseUser) -> PairView:
    candidate = _candidates(user).filter(pk=pk).first()
    if candidate is None:
        raise Http404("No such duplicate pair, or not one you review")
    return _pairs([candidate])[0]


def load_merge(*, pk: int, user: AbstractBaseUser) -> DuplicateMerge:
    merge = (
        DuplicateMerge.objects.select_related(
            "merged_by", "undone_by", "survivor__contact", "merged__contact", "survivor__owner"
        )
        .filter(pk=pk)
        .first()
    )
    if merge is None:
        raise Http404("No such merge")
    if is_limited(user) and user.pk not in (merge.merged_by_id, merge.survivor.owner_id):
        raise Http404("No such merge, or not one you made")
    return merge


@dataclass
class MergePage:
    merge: DuplicateMerge
    blockers: list[str]

    def as_context(self) -> dict:
        labels = {key: field.label for key, field in FIELDS_BY_KEY.items()}
        taken = [labels[key] for key, side in self.merge.winners.items() if side == "merged"]
        return {
            "merge": self.merge,
            "blockers": self.blockers,
            "taken": taken,
            "moved": [_counted(count, name) for name, count in sorted(self.merge.moved.items())],
        }


_SINGULAR = {
    "activities": "activity",
    "notes": "note",
    "checklists": "checklist",
    "answers": "answer",
    "buying-group roles": "buying-group role",
    "answers kept on the merged lead": "answer kept on the merged lead",
    "roles kept on the merged contact": "role kept on the merged contact",
}


def _counted(count: int, name: str) -> str:
    return f"{count} {_SINGULAR.get(name, name) if count == 1 else name}"


def merge_page(*, merge: DuplicateMerge) -> MergePage:
    return MergePage(merge, undo_blockers(merge))
