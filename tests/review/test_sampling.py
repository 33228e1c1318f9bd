import datetime as dt

import pytest
from django.utils import timezone

from qualification.models import Lead, Stage, StageTransition
from review.models import Stratum
from review.sampling import month_bounds, sample_leads
from tests.factories import LeadFactory, StageTransitionFactory, reason

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


def _in_month(day: int, hour: int = 12) -> dt.datetime:
    start, _ = month_bounds(MONTH)
    return start + dt.timedelta(days=day - 1, hours=hour)


def _rejected(code: str, day: int = 5):
    lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason(code))
    StageTransitionFactory(
        lead=lead,
        from_stage=Stage.MQL,
        to_stage=Stage.DISQUALIFIED,
        name="reject",
        rule="test",
        occurred_at=_in_month(day),
        reason_code=reason(code),
    )
    return lead


def _came_back(day: int = 10):
    lead = LeadFactory(stage=Stage.MQL)
    StageTransitionFactory(
        lead=lead,
        from_stage=Stage.DISQUALIFIED,
        to_stage=Stage.MQL,
        name="reopen",
        rule="test",
        occurred_at=_in_month(day),
    )
    return lead


def _borderline():
    lead = LeadFactory(stage=Stage.NEW, manual_review=True, intent_score=55)
    Lead.objects.filter(pk=lead.pk).update(created_at=_in_month(2))
    return lead


@pytest.fixture
def population():
    """Ten of each stratum, rejections spread over three reason codes, plus leads in none."""
    leads = {
        Stratum.SDR_REJECTED: [
            _rejected(code) for code in ["bad_fit", "no_budget", "wrong_persona"] * 3 + ["bad_fit"]
        ],
        Stratum.FALSE_NEGATIVE: [_came_back() for _ in range(10)],
        Stratum.MANUAL_REVIEW: [_borderline() for _ in range(10)],
        Stratum.STALE: [LeadFactory(stage=Stage.MQL, stale_since=_in_month(3)) for _ in range(10)],
    }
    LeadFactory.create_batch(5, stage=Stage.NEW)  # in no stratum
    old = _rejected("bad_fit")
    StageTransition.objects.filter(lead=old).update(
        occurred_at=_in_month(1) - dt.timedelta(days=40)
    )
    return leads


def test_the_sample_has_the_asked_size_spread_evenly_across_the_strata(population):
    draws = sample_leads(month=MONTH, size=24, seed=7)

    assert len(draws) == 24
    per_stratum = {s: [d.lead_id for d in draws if d.stratum == s] for s in Stratum.values}
    assert {s: len(ids) for s, ids in per_stratum.items()} == {s: 6 for s in Stratum.values}
    for stratum, ids in per_stratum.items():
        assert set(ids) <= {lead.pk for lead in population[stratum]}


def test_sdr_rejections_are_drawn_across_reason_codes(population):
    draws = sample_leads(month=MONTH, size=24, seed=3)

    rejected = [d.lead_id for d in draws if d.stratum == Stratum.SDR_REJECTED]
    codes = StageTransition.objects.filter(lead_id__in=rejected).values_list(
        "reason_code__code", flat=True
    )
    assert sorted(codes) == ["bad_fit", "bad_fit", "no_budget", "no_budget"] + ["wrong_persona"] * 2


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(population):
    first = sample_leads(month=MONTH, size=20, seed=12345)

    assert sample_leads(month=MONTH, size=20, seed=12345) == first
    assert sample_leads(month=MONTH, size=20, seed=54321) != first


def test_no_lead_is_drawn_twice_even_when_it_fits_several_strata(population):
    # Every manual-review lead is also stale, and every comeback was also rejected.
    for lead in population[Stratum.MANUAL_REVIEW]:
        lead.stale_since = _in_month(2)
        lead.save()
    for lead in population[Stratum.FALSE_NEGATIVE]:
        StageTransitionFactory(
            lead=lead,
            from_stage=Stage.MQL,
            to_stage=Stage.DISQUALIFIED,
            name="reject",
            rule="test",
            occurred_at=_in_month(4),
            reason_code=reason("no_need"),
        )

    draws = sample_leads(month=MONTH, size=40, seed=1)

    ids = [d.lead_id for d in draws]
    assert len(ids) == len(set(ids)) == 40


def test_a_thin_stratum_leaves_its_places_to_the_others():
    _came_back()
    for code in ["bad_fit", "no_budget"] * 5:
        _rejected(code)
    for _ in range(10):
        _borderline()

    draws = sample_leads(month=MONTH, size=20, seed=9)

    counts = {s: sum(1 for d in draws if d.stratum == s) for s in Stratum.values}
    assert len(draws) == 20
    assert counts[Stratum.FALSE_NEGATIVE] == 1
    assert counts[Stratum.STALE] == 0
    assert counts[Stratum.SDR_REJECTED] + counts[Stratum.MANUAL_REVIEW] == 19


def test_the_sample_is_smaller_than_asked_only_when_candidates_run_out():
    for _ in range(3):
        _borderline()

    assert len(sample_leads(month=MONTH, size=20, seed=1)) == 3


def test_closed_leads_and_other_months_are_not_candidates():
    LeadFactory(stage=Stage.DISQUALIFIED, manual_review=True, reason_code=reason("bad_fit"))
    LeadFactory(stage=Stage.NURTURE, recycle_on=timezone.localdate(), stale_since=_in_month(2))
    _came_back().transitions.update(occurred_at=_in_month(1) + dt.timedelta(days=45))

    assert sample_leads(month=MONTH, size=20, seed=1) == []
