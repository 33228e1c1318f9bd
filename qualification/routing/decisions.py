"""Who gets a lead: the account's owner, else the least-loaded SDR of the lead's segment."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q

from qualification.lifecycle.notifications import send_lead_brief
from qualification.lifecycle.ownership import assign_owner, set_owner
from qualification.models import Lead, Stage

User = get_user_model()

# The work an SDR is already carrying: MQLs to answer and SALs they accepted.
LOAD_STAGES = (Stage.MQL, Stage.SAL)


def choose_owner(lead: Lead) -> tuple[User | None, str]:
    """The person the lead should go to, and why, in words for the history."""
    account = lead.account
    if account is not None and account.owner_id and account.owner.is_active:
        return account.owner, "account owner"
    sdrs = lead.segment.sdrs.filter(is_active=True)
    territories = lead.segment.territories
    if territories and account is not None and account.territory not in territories:
        return None, f"territory {account.territory or 'unknown'} is not covered"
    least_loaded = (
        sdrs.annotate(load=Count("owned_leads", filter=Q(owned_leads__stage__in=LOAD_STAGES)))
        .order_by("load", "pk")
        .first()
    )
    if least_loaded is None:
        return None, "the segment has no SDRs"
    return least_loaded, f"least open load in {lead.segment.name}"


def route_lead(*, lead: Lead, now: dt.datetime | None = None) -> User | None:
    """Assign an unowned lead to its owner; leaves an owned lead alone. Returns the owner.

    The history row is dated `now` (the real clock unless given)."""
    if lead.owner_id:
        return lead.owner
    owner, why = choose_owner(lead)
    if owner is None:
        return None
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.owner_id:  # someone routed it meanwhile
            return locked.owner
        assign_owner(
            lead=locked, owner=owner, reason=f"Routed to {owner.get_username()} ({why})", now=now
        )

        transaction.on_commit(lambda: send_lead_brief(locked.pk))
    set_owner(lead=lead, owner=owner)
    return owner
