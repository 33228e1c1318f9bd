"""Which MQLs an SDR may work: the queue's scope, and the one rule for accepting or rejecting.

Who may act on which MQL is `settings.QUEUE_SDR_SCOPE`:

- ``"segment"`` (default): an SDR works the MQLs of the segments they are listed on
  (`Segment.sdrs`), as routing does;
- ``"territory"``: an SDR works MQLs whose account is in a territory one of their segments covers
  (`Segment.territories`), whatever the lead's segment;
- ``"any"``: every MQL.

Managers, RevOps and superusers are never limited (they see the whole queue; whether they may
accept or reject is the transition table's permission, not this module's).

The queue lists and counts with `QueueScope.q()`; the engine asks `scope_refusal` before any
person moves an MQL, so the rule holds wherever the move is posted from (the queue, the lead
page, a review, the shell).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q

from accounts import roles
from qualification.models import Lead, Segment, Stage

SCOPE_SEGMENT = "segment"
SCOPE_TERRITORY = "territory"
SCOPE_ANY = "any"
SCOPES = (SCOPE_SEGMENT, SCOPE_TERRITORY, SCOPE_ANY)


def scope_rule() -> str:
    rule = getattr(settings, "QUEUE_SDR_SCOPE", SCOPE_SEGMENT)
    if rule not in SCOPES:
        raise ImproperlyConfigured(f"QUEUE_SDR_SCOPE must be one of {SCOPES}, not {rule!r}.")
    return rule


def is_limited(user: AbstractBaseUser) -> bool:
    """An SDR (who is not also a manager or RevOps) works only their part of the queue."""
    return roles.has_role(user, roles.SDR) and not roles.has_role(user, roles.MANAGER, roles.REVOPS)


def queue_segments(user: AbstractBaseUser) -> list[Segment]:
    """Every segment, each marked `is_mine` when the user is one of its SDRs: one query that
    serves both the filter's choices and the user's scope."""
    listed = Segment.sdrs.through.objects.filter(segment_id=OuterRef("pk"), user_id=user.pk)
    return list(
        Segment.objects.only("pk", "name", "territories")
        .annotate(is_mine=Exists(listed))
        .order_by("name")
    )


@dataclass(frozen=True)
class QueueScope:
    """The MQLs one person may work."""

    limited: bool
    rule: str
    segment_ids: frozenset[int] = frozenset()
    territories: frozenset[str] = frozenset()

    @classmethod
    def for_user(cls, user: AbstractBaseUser, segments: list[Segment]) -> QueueScope:
        rule = scope_rule()
        if not is_limited(user) or rule == SCOPE_ANY:
            return cls(limited=False, rule=rule)
        mine = [segment for segment in segments if segment.is_mine]
        return cls(
            limited=True,
            rule=rule,
            segment_ids=frozenset(segment.pk for segment in mine),
            territories=frozenset(
                territory for segment in mine for territory in segment.territories or ()
            ),
        )

    def q(self) -> Q:
        """A filter on Lead for the leads in scope."""
        if not self.limited:
            return Q()
        if self.rule == SCOPE_TERRITORY:
            return Q(account__territory__in=sorted(self.territories))
        return Q(segment_id__in=sorted(self.segment_ids))

    def allows(self, lead: Lead) -> bool:
        return self.refusal(lead) is None

    def refusal(self, lead: Lead) -> str | None:
        """Why `lead` is not this person's to work, in words; None when it is."""
        if not self.limited:
            return None
        if self.rule == SCOPE_TERRITORY:
            territory = lead.account.territory if lead.account_id else ""
            if territory and territory in self.territories:
                return None
            return (
                f"this MQL's account is in {territory or 'no territory'}, outside "
                f"{self.description}: an SDR covering that territory accepts or rejects it"
            )
        if lead.segment_id in self.segment_ids:
            return None
        return (
            f"this MQL is in {lead.segment.name}, outside {self.description}: "
            "an SDR of that segment accepts or rejects it"
        )

    @property
    def description(self) -> str:
        """What the user's part of the queue is, for the empty state."""
        if not self.limited:
            return "every segment"
        if self.rule == SCOPE_TERRITORY:
            return "your segments’ territories"
        return "your segments"


def scope_refusal(*, user: AbstractBaseUser, lead: Lead) -> str | None:
    """Why `user` may not accept or reject `lead` (move it out of MQL), or None when they may.

    Costs a query only for an SDR whose scope is limited, and only for an MQL."""
    if lead.stage != Stage.MQL or not is_limited(user) or scope_rule() == SCOPE_ANY:
        return None
    return QueueScope.for_user(user, queue_segments(user)).refusal(lead)
