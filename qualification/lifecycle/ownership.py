"""Who owns a lead: the one writer of `Lead.owner`.

Routing, claiming from the queue and the engine (an accept hands the lead to its owner) all set
the owner here, so an owner change always leaves a history row that says why and who. The
caller holds the row lock and the transaction, as it does for everything else it writes.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from qualification.models import Lead


def set_owner(*, lead: Lead, owner: AbstractBaseUser | None) -> None:
    """Give `lead` its owner in memory; the caller saves it with its other changes (the engine
    saves the owner with the stage and writes one history row for both)."""
    lead.owner = owner


def assign_owner(
    *,
    lead: Lead,
    owner: AbstractBaseUser,
    reason: str,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Make `owner` the owner of the locked `lead` and save only that, with a history row
    giving `reason`, the `actor` (none for an automated rule) and the moment `now`.
    """
    set_owner(lead=lead, owner=owner)
    lead._change_reason = reason
    if actor is not None:
        lead._history_user = actor
    lead._history_date = now or timezone.now()  # simple-history dates the history row with it
    lead.save(update_fields=["owner", "updated_at"])
