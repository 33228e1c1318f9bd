"""Per-segment stage rules: what the score says about a new or nurtured lead.

At or over the MQL threshold with fit A/B → MQL (and routed); under the nurture floor → nurture
with a recycle date; between → flagged for manual review. Nurtured leads whose intent turns high
come back as MQLs. Every move goes through the lifecycle engine as a named rule.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import IcpTier
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Automation, Evidence, TransitionRefused
from qualification.models import OPEN_STAGES, IntentBand, Lead, ReasonCode, Stage
from qualification.routing.decisions import route_lead
from qualification.scoring.intent import score_leads

SCORE_RULE = Automation("intent-score")
FLOOR_RULE = Automation("nurture-floor")
SPIKE_RULE = Automation("intent-spike")
RECYCLE_RULE = Automation("recycle")


def _flag_for_review(lead: Lead, flag: bool) -> None:
    if lead.manual_review != flag:
        Lead.objects.filter(pk=lead.pk).update(manual_review=flag)
        lead.manual_review = flag


def _to_mql(lead: Lead, rule: Automation, now: dt.datetime) -> str:
    transition_lead(lead=lead, to=Stage.MQL, actor=rule, now=now)
    route_lead(lead=lead, now=now)
    return "mql"


def apply_stage_rule(*, lead: Lead, now: dt.datetime | None = None) -> str:
    """Act on one lead by its current score as of `now`; returns what happened, for counting.

    A lead never scored is scored first: a rule acting on the default 0 would park a lead
    whose activity makes it an MQL, and its history would record a score nobody computed.
    """
    now = now or timezone.now()
    if lead.scored_at is None:
        score_leads([lead.pk], now=now)
        lead.refresh_from_db(
            fields=["intent_score", "intent_band", "score_explanation", "fit_tier", "scored_at"]
        )
    segment = lead.segment
    try:
        if lead.stage == Stage.NEW:
            fit_ok = lead.fit_tier in (IcpTier.A, IcpTier.B)
            if lead.intent_score >= segment.mql_threshold and fit_ok:
                return _to_mql(lead, SCORE_RULE, now)
            if lead.intent_score < segment.nurture_floor:
                recycle_on = timezone.localdate(now) + dt.timedelta(
                    days=segment.nurture_recycle_days
                )
                transition_lead(
                    lead=lead,
                    to=Stage.NURTURE,
                    actor=FLOOR_RULE,
                    evidence=Evidence(
                        reason_code=ReasonCode.objects.get(code="low_intent"),
                        recycle_on=recycle_on,
                    ),
                    now=now,
                )
                return "nurture"
            _flag_for_review(lead, True)
            return "manual_review"
        if lead.stage == Stage.NURTURE and lead.intent_band == IntentBand.HIGH:
            return _to_mql(lead, SPIKE_RULE, now)
    except TransitionRefused:
        # The score alone cannot move it (no account domain, say): a person decides.
        _flag_for_review(lead, True)
        return "manual_review"
    return "unchanged"


def apply_stage_rules(leads: Iterable[Lead], *, now: dt.datetime | None = None) -> Counter:
    outcomes: Counter = Counter()
    for lead in leads:
        outcomes[apply_stage_rule(lead=lead, now=now)] += 1
    return outcomes


def leads_for_stage_rules(lead_ids: Iterable[int] | None = None):
    """New leads, and nurtured leads whose intent turned high (all of them, or the ids given)."""
    leads = Lead.objects.select_related("segment", "account", "owner").filter(
        stage__in=(Stage.NEW, Stage.NURTURE)
    )
    if lead_ids is not None:
        return leads.filter(pk__in=list(lead_ids))
    return leads.exclude(stage=Stage.NURTURE, intent_band__in=(IntentBand.LOW, IntentBand.MEDIUM))


def recycle_due_leads(*, now: dt.datetime | None = None) -> int:
    """Bring back nurtured leads whose recycle date (by `now`) has come; safe to run twice a
    day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    moved = 0
    due = Lead.objects.filter(stage=Stage.NURTURE, recycle_on__lte=today).select_related(
        "segment", "account"
    )
    for lead in due.iterator(chunk_size=500):
        try:
            _to_mql(lead, RECYCLE_RULE, now)
        except TransitionRefused:  # someone moved it since we read it
            continue
        moved += 1
    return moved


def flag_stale_leads(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Mark open leads with no activity or stage change for the segment's N days; unmark the
    rest. Returns (flagged, cleared)."""
    now = now or timezone.now()
    flagged = cleared = 0
    with transaction.atomic():
        for segment_id, days in (
            Lead.objects.open().values_list("segment_id", "segment__stale_after_days").distinct()
        ):
            cutoff = now - dt.timedelta(days=days)
            scope = Lead.objects.open().filter(segment_id=segment_id)
            quiet = scope.filter(stage_entered_at__lt=cutoff).exclude(last_activity_at__gte=cutoff)
            flagged += quiet.filter(stale_since__isnull=True).update(stale_since=now)
            cleared += (
                scope.filter(stale_since__isnull=False)
                .exclude(pk__in=quiet)
                .update(stale_since=None)
            )
        cleared += (
            Lead.objects.exclude(stage__in=OPEN_STAGES)
            .filter(stale_since__isnull=False)
            .update(stale_since=None)
        )
    return flagged, cleared
