"""The match review list: leads whose company came close to an account but not close enough."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts import roles
from qualification.models import AccountMatch, AccountMatchCandidate

SHOWN = 50


def waiting_matches(*, user) -> QuerySet[AccountMatch]:
    """Matches waiting for a person, oldest first: all of them for RevOps and managers, the
    matches of their own leads for anyone else."""
    matches = (
        AccountMatch.objects.filter(outcome=AccountMatch.Outcome.REVIEW)
        .select_related("lead__contact", "lead__owner", "contact")
        .prefetch_related(
            Prefetch(
                "candidates",
                queryset=AccountMatchCandidate.objects.select_related("account__owner"),
            )
        )
        .order_by("created_at", "pk")
    )
    if not roles.has_role(user, roles.REVOPS, roles.MANAGER):
        matches = matches.filter(lead__owner=user)
    return matches
