"""A merge racing an accept on the same lead: row locks decide, one wins, nothing half-done."""

import datetime as dt

import pytest
from django.utils import timezone

from qualification.duplicates.merge import merge_leads
from qualification.lifecycle.evidence import TransitionRefused
from qualification.models import Activity, DuplicateMerge, Lead, Stage, StageTransition
from qualification.web.queue.services import accept_lead
from tests.concurrency import run_at_once
from tests.factories import ActivityFactory, ContactFactory, LeadFactory, tomorrow

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def attempt(call):
    def run():
        try:
            return call()
        except TransitionRefused as refused:
            return refused

    return run


@pytest.mark.parametrize("round_", range(3))
def test_a_merge_and_an_accept_at_once_one_wins_and_nothing_is_half_done(sdr, round_):
    contact = ContactFactory()
    survivor = LeadFactory(stage=Stage.SAL, owner=sdr, contact=contact)
    merged = LeadFactory(
        stage=Stage.MQL, contact=contact, sla_due_at=timezone.now() + dt.timedelta(hours=1)
    )
    ActivityFactory(lead=merged)
    seen_by_merger = Lead.objects.get(pk=merged.pk)
    seen_by_acceptor = Lead.objects.get(pk=merged.pk)

    merge, accept = run_at_once(
        attempt(
            lambda: merge_leads(
                survivor=survivor, merged=seen_by_merger, actor=sdr, reason="Same person"
            )
        ),
        attempt(
            lambda: accept_lead(
                lead=seen_by_acceptor,
                actor=sdr,
                owner=sdr,
                icp_confirmed=True,
                next_action="Call",
                next_action_due=tomorrow(),
            )
        ),
    )

    outcomes = [isinstance(result, TransitionRefused) for result in (merge, accept)]
    assert sorted(outcomes) == [False, True]
    merged.refresh_from_db()
    activity = Activity.objects.get()
    if isinstance(accept, TransitionRefused):  # the merge won
        assert "already moved to Disqualified" in str(accept)
        assert merged.stage == Stage.DISQUALIFIED
        assert activity.lead_id == survivor.pk
        assert DuplicateMerge.objects.count() == 1
    else:  # the accept won: the merge wrote nothing
        assert "already moved to SAL" in str(merge)
        assert merged.stage == Stage.SAL
        assert activity.lead_id == merged.pk
        assert not DuplicateMerge.objects.exists()
    assert StageTransition.objects.filter(lead=merged).count() == 1
