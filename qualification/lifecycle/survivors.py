"""Which lead a duplicate may be folded into: the same person's, or its account's."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Q, When

from qualification.models import (
    DuplicateCandidate,
    Lead,
    Stage,
)


def may_survive(lead: Lead, survivor: Lead) -> bool:
    """Whether `lead` can be a duplicate of `survivor`: the same person (the same contact, the
    same inbox once case, dots and +tags are folded, or the same phone), or the same account."""
    if survivor.contact_id == lead.contact_id:
        return True
    if lead.account_id is not None and survivor.account_id == lead.account_id:
        return True
    mine, theirs = lead.contact, survivor.contact
    if mine.email_key and mine.email_key == theirs.email_key:
        return True
    return bool(mine.phone) and mine.phone == theirs.phone


def likely_survivors(lead: Lead, *, limit: int = 20) -> list[Lead]:
    """The leads `lead` may be a duplicate of (`may_survive`, not disqualified), for a list to
    pick from: the same person's first (`same_person`: the contact, or the same inbox and
    the open duplicate pairs detection found), then the account's, newest first."""
    paired = DuplicateCandidate.objects.open().involving([lead.pk])
    pair_ids = Q(pk__in=paired.values("lead_a")) | Q(pk__in=paired.values("lead_b"))
    same_person = Q(contact_id=lead.contact_id) | pair_ids
    related = same_person
    if lead.account_id is not None:
        related |= Q(account_id=lead.account_id)
    return list(
        Lead.objects.filter(related)
        .exclude(pk=lead.pk)
        .exclude(stage=Stage.DISQUALIFIED)
        .select_related("contact", "segment", "owner")
        .annotate(
            same_person=Case(
                When(same_person, then=True),
                default=False,
                output_field=BooleanField(),
            )
        )
        .order_by("-same_person", "-created_at", "-pk")[:limit]
    )


def survivor_groups(survivors: list[Lead]) -> list[tuple[str, list[Lead]]]:
    """`likely_survivors` as a picker groups them, in words, leaving out an empty group."""
    groups = [
        ("The same person", [lead for lead in survivors if lead.same_person]),
        ("The same account", [lead for lead in survivors if not lead.same_person]),
    ]
    return [(label, members) for label, members in groups if members]
