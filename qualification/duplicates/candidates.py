"""Duplicate candidates: what detection records, and the "not a duplicate" decision.

Detection (blocking keys, the nightly job) calls `record_candidates` with the pairs it found;
people decide on them in the duplicates review (merge, or not a duplicate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import roles
from qualification.lifecycle.scope import QueueScope, is_limited, queue_segments
from qualification.models import DuplicateCandidate, Lead


@dataclass(frozen=True)
class Pair:
    """One pair detection found: two lead ids in any order, a score and what matched
    (`[{"key": "email", "value": "sven@hartmann.example"}, …]`)."""

    lead_id: int
    other_id: int
    score: int
    matched: list[dict] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return pair_key(self.lead_id, self.other_id)


def pair_key(one: int, other: int) -> tuple[int, int]:
    """The stored order of a pair: the lower lead id first."""
    if one == other:
        raise ValueError(f"lead {one} cannot be a duplicate of itself")
    return (one, other) if one < other else (other, one)


@dataclass(frozen=True)
class Recorded:
    created: int
    updated: int
    unchanged: int
    skipped: int  # decided already: merged, or "not a duplicate" (never reopened)


def record_candidates(
    pairs: Iterable[Pair], *, now: dt.datetime | None = None, reason: str = "Detection"
) -> Recorded:
    """Record what detection found, set-based and idempotent: a new pair becomes an open
    candidate, an open one gets the latest score and matches, and a decided pair is left as it
    is, so a pair someone marked "not a duplicate" never comes back. The same pair twice in
    `pairs` counts once (the last wins). Three queries whatever the number of pairs."""
    now = now or timezone.now()
    found = {pair.key: pair for pair in pairs}
    if not found:
        return Recorded(0, 0, 0, 0)
    keys = Q()
    for a, b in found:
        keys |= Q(lead_a_id=a, lead_b_id=b)
    with transaction.atomic():
        existing = {
            (row.lead_a_id, row.lead_b_id): row
            for row in DuplicateCandidate.objects.select_for_update().filter(keys).order_by("pk")
        }
        new, changed, unchanged, skipped = [], [], 0, 0
        for key, pair in found.items():
            row = existing.get(key)
            if row is None:
                new.append(
                    DuplicateCandidate(
                        lead_a_id=key[0],
                        lead_b_id=key[1],
                        score=pair.score,
                        matched=pair.matched,
                        found_at=now,
                    )
                )
            elif row.status != DuplicateCandidate.Status.OPEN:
                skipped += 1
            elif (row.score, row.matched) == (pair.score, pair.matched):
                unchanged += 1
            else:
                row.score, row.matched = pair.score, pair.matched
                changed.append(row)
        if new:
            bulk_create_with_history(
                new, DuplicateCandidate, default_date=now, default_change_reason=reason
            )
        if changed:
            bulk_update_with_history(
                changed,
                DuplicateCandidate,
                ["score", "matched"],
                default_date=now,
                default_change_reason=reason,
            )
    return Recorded(len(new), len(changed), unchanged, skipped)


def visible_candidates(*, user: AbstractBaseUser):
    """The candidates `user` may review: every pair for managers and RevOps; for an SDR, the
    pairs with a lead in their part of the queue or owned by them."""
    rows = DuplicateCandidate.objects.all()
    if not is_limited(user):
        return rows
    scope = QueueScope.for_user(user, queue_segments(user))
    mine = Lead.objects.filter(Q(owner=user) | (Q(stage="mql") & scope.q())).values("pk")
    return rows.filter(Q(lead_a__in=mine) | Q(lead_b__in=mine))


def may_review(*, user: AbstractBaseUser) -> bool:
    return roles.has_role(user, roles.SDR, roles.MANAGER, roles.REVOPS)


class CandidateClosed(Exception):
    """The pair was decided already (by someone else, or a moment ago)."""


def mark_not_duplicate(
    *,
    candidate: DuplicateCandidate,
    actor: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> DuplicateCandidate:
    """Remember that the pair is two different people (or leads): it never comes back."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        if locked.status != DuplicateCandidate.Status.OPEN:
            raise CandidateClosed(
                f"this pair was already decided: {locked.get_status_display().lower()}"
            )
        locked.status = DuplicateCandidate.Status.NOT_DUPLICATE
        locked.decided_by = actor
        locked.decided_at = now
        locked._change_reason = f"Not a duplicate, decided by {_name(actor)}"
        locked._history_user = actor
        locked._history_date = now
        locked.save()
    return locked


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def open_candidates_of(lead_ids) -> dict[int, list[tuple[DuplicateCandidate, Lead]]]:
    """Each lead's open pairs with the other lead loaded (contact, segment, owner), in one
    query, for the lead page and the queue's "possible duplicate of …"."""
    lead_ids = list(lead_ids)
    found: dict[int, list[tuple[DuplicateCandidate, Lead]]] = {pk: [] for pk in lead_ids}
    if not lead_ids:
        return found
    rows = (
        DuplicateCandidate.objects.open()
        .involving(lead_ids)
        .select_related(
            *(f"lead_a__{name}" for name in ("contact", "segment", "owner")),
            *(f"lead_b__{name}" for name in ("contact", "segment", "owner")),
        )
        .order_by("-score", "pk")
    )
    for row in rows:
        if row.lead_a_id in found:
            found[row.lead_a_id].append((row, row.lead_b))
        if row.lead_b_id in found:
            found[row.lead_b_id].append((row, row.lead_a))
    return found
