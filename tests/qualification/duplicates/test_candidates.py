"""Recording what detection finds, and "not a duplicate" remembered."""

import pytest

from qualification.duplicates.candidates import (
    CandidateClosed,
    Pair,
    Recorded,
    mark_not_duplicate,
    pair_key,
    record_candidates,
    visible_candidates,
)
from qualification.models import DuplicateCandidate, Stage
from tests.factories import LeadFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = [{"key": "email", "value": "sven@hartmann.example"}]
PHONE = [{"key": "phone", "value": "+49301234567"}]


def test_a_pair_is_stored_once_whichever_order_it_is_found_in():
    one, other = LeadFactory(), LeadFactory()
    recorded = record_candidates([Pair(other.pk, one.pk, 90, EMAIL), Pair(one.pk, other.pk, 90)])
    assert recorded == Recorded(created=1, updated=0, unchanged=0, skipped=0)
    row = DuplicateCandidate.objects.get()
    assert (row.lead_a, row.lead_b, row.status) == (one, other, "open")
    assert pair_key(other.pk, one.pk) == (one.pk, other.pk)


def test_recording_again_updates_an_open_pair_and_changes_nothing_else():
    one, other, third = LeadFactory(), LeadFactory(), LeadFactory()
    record_candidates([Pair(one.pk, other.pk, 70, PHONE), Pair(one.pk, third.pk, 50, PHONE)])
    recorded = record_candidates(
        [Pair(one.pk, other.pk, 95, EMAIL + PHONE), Pair(one.pk, third.pk, 50, PHONE)]
    )
    assert recorded == Recorded(created=0, updated=1, unchanged=1, skipped=0)
    row = DuplicateCandidate.objects.get(lead_b=other)
    assert (row.score, row.matched) == (95, EMAIL + PHONE)
    assert row.history.count() == 2
    assert row.history.first().history_change_reason == "Detection"


def test_a_pair_marked_not_a_duplicate_never_comes_back(sdr):
    one, other = LeadFactory(), LeadFactory()
    record_candidates([Pair(one.pk, other.pk, 80, EMAIL)])
    mark_not_duplicate(candidate=DuplicateCandidate.objects.get(), actor=sdr)

    recorded = record_candidates([Pair(other.pk, one.pk, 99, EMAIL + PHONE)])

    assert recorded == Recorded(created=0, updated=0, unchanged=0, skipped=1)
    row = DuplicateCandidate.objects.get()
    assert (row.status, row.score, row.decided_by) == ("not_duplicate", 80, sdr)
    assert not DuplicateCandidate.objects.open().exists()


def test_a_decided_pair_cannot_be_decided_again(sdr):
    one, other = LeadFactory(), LeadFactory()
    record_candidates([Pair(one.pk, other.pk, 80)])
    candidate = DuplicateCandidate.objects.get()
    mark_not_duplicate(candidate=candidate, actor=sdr)
    with pytest.raises(CandidateClosed, match="already decided: not a duplicate"):
        mark_not_duplicate(candidate=candidate, actor=sdr)


def test_a_lead_is_not_its_own_duplicate():
    lead = LeadFactory()
    with pytest.raises(ValueError):
        record_candidates([Pair(lead.pk, lead.pk, 100)])


def test_an_sdr_sees_pairs_in_their_queue_or_owned_by_them_and_a_manager_all(sdr, manager):
    other_segment = SegmentFactory(slug="ent", name="Enterprise")
    in_queue = LeadFactory(stage=Stage.MQL)
    owned = LeadFactory(stage=Stage.SAL, owner=sdr, segment=other_segment)
    elsewhere = [LeadFactory(stage=Stage.MQL, segment=other_segment) for _ in range(4)]
    someone = UserFactory()
    not_mine = LeadFactory(stage=Stage.SAL, owner=someone, segment=other_segment)
    record_candidates(
        [
            Pair(in_queue.pk, elsewhere[0].pk, 80),
            Pair(owned.pk, elsewhere[1].pk, 80),
            Pair(elsewhere[2].pk, elsewhere[3].pk, 80),
            Pair(not_mine.pk, elsewhere[3].pk, 80),
        ]
    )
    mine = {(c.lead_a_id, c.lead_b_id) for c in visible_candidates(user=sdr)}
    assert mine == {
        pair_key(in_queue.pk, elsewhere[0].pk),
        pair_key(owned.pk, elsewhere[1].pk),
    }
    assert visible_candidates(user=manager).count() == 4
