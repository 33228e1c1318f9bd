"""Which lead a duplicate may be folded into: the same person's, or its account's."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Q, When

from qualification.models import (
    Lead,
    Stage,
)


def may_survive(lead: Lead, survivor: Lead) -> bool:
    """Whether `lead` can be a duplicate of `survivor`: the same person, or the same account.
    (A contact's email is unique once normalised, so the same email is the same contact.)"""
    if survivor.contact_id == lead.contact_id:
        return True
    return lead.account_id is not None and survivor.account_id == lead.account_id


def likely_survivors(lead: Lead, *, limit: int = 20) -> list[Lead]:
    """The leads `lead` may be a duplicate of (`may_survive`, not disqualified), for a list to
    pick from: the same person's first (`same_person`), then the account's, newest first."""
    related = Q(contact_id=lead.contact_id)
    if lead.account_id is not None:
        related |= Q(account_id=lead.account_id)
    return list(
        Lead.objects.filter(related)
        .exclude(pk=lead.pk)
        .exclude(stage=Stage.DISQUALIFIED)
        .select_related("contact", "segment", "owner")
        .annotate(
            same_person=Case(
                When(contact_id=lead.contact_id, then=True),
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
