"""The funnel metrics on a small data set whose every figure is worked out by hand below."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qualification.models import Lead, SlaBreachNotice, Stage, StageTransition
from review.metrics import funnel_report, group_label, percentile_cont
from tests.factories import LeadFactory, SegmentFactory, UserFactory, in_days, reason

pytestmark = pytest.mark.django_db

OCT_1, OCT_31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
HOUR = dt.timedelta(hours=1)


def at(month: int, day: int, hour: float) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime(2026, month, day, tzinfo=tz) + dt.timedelta(hours=hour)


def step(lead, from_stage, to_stage, name, when, code=None):
    """The engine's audit row, backdated: the stay it ends began at the lead's previous step, or
    when the lead was created."""
    previous = (
        StageTransition.objects.filter(lead=lead, occurred_at__lt=when)
        .order_by("occurred_at", "pk")
        .last()
    )
    entered = previous.occurred_at if previous else Lead.objects.get(pk=lead.pk).created_at
    StageTransition.objects.create(
        lead=lead,
        from_stage=from_stage,
        to_stage=to_stage,
        name=name,
        rule="test",
        occurred_at=when,
        from_stage_entered_at=entered,
        reason_code=reason(code) if code else None,
    )


@pytest.fixture
def data():
    core = SegmentFactory(slug="core", name="Core")
    enterprise = SegmentFactory(slug="enterprise", name="Enterprise")
    owner = UserFactory()

    def lead(segment, stage, **kwargs):
        made = LeadFactory(segment=segment, stage=stage, **kwargs)
        Lead.objects.filter(pk=made.pk).update(created_at=at(10, 1, 0))
        return made

    # L1 core: MQL 2 Oct 10:00, accepted after 1 h, SQL, opportunity.
    l1 = lead(core, Stage.OPPORTUNITY, owner=owner, first_touch_at=at(10, 2, 11))
    step(l1, "new", "mql", "mark-mql", at(10, 2, 10))
    step(l1, "mql", "sal", "accept", at(10, 2, 11))
    step(l1, "sal", "sql", "promote-sql", at(10, 5, 11))
    step(l1, "sql", "opportunity", "promote-opportunity", at(10, 10, 11))
    # L2 core: MQL 3 Oct 09:00, accepted after 3 h, SQL.
    l2 = lead(core, Stage.SQL, owner=owner, first_touch_at=at(10, 3, 12))
    step(l2, "new", "mql", "mark-mql", at(10, 3, 9))
    step(l2, "mql", "sal", "accept", at(10, 3, 12))
    step(l2, "sal", "sql", "promote-sql", at(10, 8, 9))
    # L3 core: MQL 4 Oct 09:00, rejected as a bad fit after 30 min.
    l3 = lead(
        core, Stage.DISQUALIFIED, reason_code=reason("bad_fit"), first_touch_at=at(10, 4, 9.5)
    )
    step(l3, "new", "mql", "mark-mql", at(10, 4, 9))
    step(l3, "mql", "disqualified", "reject", at(10, 4, 9.5), "bad_fit")
    # L4 core: MQL 5 Oct 09:00, SLA breached (noticed), rejected to nurture after 24 h.
    l4 = lead(core, Stage.NURTURE, recycle_on=in_days(60), first_touch_at=at(10, 6, 9))
    step(l4, "new", "mql", "mark-mql", at(10, 5, 9))
    step(l4, "mql", "nurture", "reject-to-nurture", at(10, 6, 9), "timing")
    SlaBreachNotice.objects.create(lead=l4, stage="mql", sla_due_at=at(10, 5, 13))
    # L5 enterprise: MQL 6 Oct 09:00, accepted after 2 h.
    l5 = lead(enterprise, Stage.SAL, owner=owner, first_touch_at=at(10, 6, 11))
    step(l5, "new", "mql", "mark-mql", at(10, 6, 9))
    step(l5, "mql", "sal", "accept", at(10, 6, 11))
    # L6 enterprise: MQL 7 Oct 09:00, rejected (no budget) after 1 h, reopened 20 Oct.
    l6 = lead(enterprise, Stage.MQL, first_touch_at=at(10, 7, 10), sla_due_at=at(10, 20, 13))
    step(l6, "new", "mql", "mark-mql", at(10, 7, 9))
    step(l6, "mql", "disqualified", "reject", at(10, 7, 10), "no_budget")
    step(l6, "disqualified", "mql", "reopen", at(10, 20, 9))
    # L7 core: MQL in September (not in the cohort), accepted 1 Oct 10:00.
    l7 = lead(core, Stage.SAL, owner=owner, first_touch_at=at(10, 1, 10))
    Lead.objects.filter(pk=l7.pk).update(created_at=at(9, 19, 10))
    step(l7, "new", "mql", "mark-mql", at(9, 20, 10))
    step(l7, "mql", "sal", "accept", at(10, 1, 10))
    # L8 core: MQL 9 Oct 09:00, never touched, SLA long past.
    l8 = lead(core, Stage.MQL, sla_due_at=at(10, 9, 13))
    step(l8, "new", "mql", "mark-mql", at(10, 9, 9))
    # L9 core: disqualified from new by a manager on 12 Oct (student).
    l9 = lead(core, Stage.DISQUALIFIED, reason_code=reason("student"))
    step(l9, "new", "disqualified", "disqualify", at(10, 12, 9), "student")
    # Outside the period altogether.
    l10 = lead(core, Stage.SAL, owner=owner, first_touch_at=at(11, 2, 10))
    step(l10, "new", "mql", "mark-mql", at(11, 2, 9))
    step(l10, "mql", "sal", "accept", at(11, 2, 10))
    return {"core": core, "enterprise": enterprise}


def report(dimension="segment"):
    return funnel_report(start=OCT_1, end=OCT_31, dimension=dimension, now=at(11, 22, 12))


def by_label(result):
    return {row.label: row for row in result.rows}


def test_conversion_follows_the_periods_mql_cohort(data):
    result = report()
    rows = by_label(result)

    # Cohort: core L1 L2 L3 L4 L8, enterprise L5 L6 (L7 became MQL in September).
    assert (rows["Core"].mql, rows["Core"].sal, rows["Core"].sql, rows["Core"].opportunity) == (
        5, 2, 2, 1,
    )  # fmt: skip
    enterprise = rows["Enterprise"]
    assert (enterprise.mql, enterprise.sal, enterprise.sql, enterprise.opportunity) == (2, 1, 0, 0)
    total = result.total
    assert (total.mql, total.sal, total.sql, total.opportunity) == (7, 3, 2, 1)
    assert total.mql_to_sal == pytest.approx(3 / 7)
    assert total.sal_to_sql == pytest.approx(2 / 3)
    assert total.sql_to_opportunity == pytest.approx(1 / 2)
    assert rows["Core"].mql_to_opportunity == pytest.approx(1 / 5)


def test_acceptance_counts_the_periods_sdr_decisions(data):
    rows = by_label(report())

    # Core: accepted L1 L2 L7, rejected L3 L4. Enterprise: accepted L5, rejected L6.
    assert (rows["Core"].accepted, rows["Core"].rejected) == (3, 2)
    assert rows["Core"].acceptance_rate == pytest.approx(3 / 5)
    assert rows["Enterprise"].acceptance_rate == pytest.approx(1 / 2)
    assert report().total.acceptance_rate == pytest.approx(4 / 7)


def test_time_to_first_touch_has_its_median_and_90th_percentile(data):
    result = report()
    rows = by_label(result)

    # Core: 0.5, 1, 3, 24 h → median (1 + 3) / 2 = 2 h; p90 at 0.9 × 3 = 2.7 → 3 + 0.7 × 21.
    assert rows["Core"].ftt_median == 2 * HOUR
    assert rows["Core"].ftt_p90 == pytest.approx(17.7 * HOUR, abs=dt.timedelta(seconds=1))
    # Enterprise: 1, 2 h → median 1.5 h; p90 1 + 0.9 × 1 = 1.9 h.
    assert rows["Enterprise"].ftt_median == 1.5 * HOUR
    assert rows["Enterprise"].ftt_p90 == pytest.approx(1.9 * HOUR, abs=dt.timedelta(seconds=1))
    # All: 0.5, 1, 1, 2, 3, 24 h → median 1.5 h; p90 at 0.9 × 5 = 4.5 → 3 + 0.5 × 21 = 13.5 h.
    assert result.total.ftt_median == 1.5 * HOUR
    assert result.total.ftt_p90 == pytest.approx(13.5 * HOUR, abs=dt.timedelta(seconds=1))


def test_sla_compliance_counts_noticed_breaches_and_overdue_mqls(data):
    rows = by_label(report())

    # Core: due L1 L2 L3 L4 (touched) and L8 (overdue); breached L4 (noticed) and L8.
    assert (rows["Core"].sla_due, rows["Core"].sla_breached) == (5, 2)
    assert rows["Core"].sla_compliance == pytest.approx(3 / 5)
    assert rows["Enterprise"].sla_compliance == 1.0


def test_reject_and_disqualify_reasons_are_counted_by_kind(data):
    result = report()

    assert sorted((r.group, r.kind, r.reason, r.count) for r in result.reasons) == [
        ("Core", "Disqualified", "Student", 1),
        ("Core", "SDR rejection", "Bad fit", 1),
        ("Core", "SDR rejection", "Timing", 1),
        ("Enterprise", "SDR rejection", "No budget", 1),
    ]


def test_false_negatives_are_disqualified_leads_that_came_back(data):
    rows = by_label(report())

    assert (rows["Enterprise"].false_negatives, rows["Enterprise"].bought) == (1, 0)
    assert rows["Core"].false_negatives == 0


def test_time_in_stage_measures_each_stay_that_ended_in_the_period(data):
    times = {(t.group, t.stage): t for t in report().stage_times}

    # Core MQL stays that ended in October: 0.5, 1, 3, 24 h and L7's 11 days → median 3 h.
    core_mql = times[("Core", "mql")]
    assert core_mql.exits == 5
    assert core_mql.median == 3 * HOUR
    # Core SAL stays: L1 3 days, L2 ~5 days (3 Oct 12:00 → 8 Oct 09:00 = 117 h).
    assert times[("Core", "sal")].exits == 2
    assert times[("Core", "sal")].median == (72 + 117) / 2 * HOUR


def test_every_dimension_splits_the_same_totals(data):
    for dimension in ("source", "persona", "tier", "segment"):
        result = report(dimension)
        assert (result.total.mql, result.total.accepted, result.total.rejected) == (7, 4, 3)


def test_a_group_with_only_disqualifications_gets_no_funnel_row(data):
    other = SegmentFactory(slug="other", name="Other")
    lead = LeadFactory(segment=other, stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))
    step(lead, "new", "disqualified", "disqualify", at(10, 9, 9), "bad_fit")

    result = report()

    assert "Other" not in {row.label for row in result.rows}
    assert ("Other", "Disqualified", "Bad fit", 1) in {
        (r.group, r.kind, r.reason, r.count) for r in result.reasons
    }


def test_groups_are_labelled_as_people_say_them(data):
    segments = {row.label for row in report("segment").rows}
    assert segments == {"Core", "Enterprise"}
    assert group_label("persona", "it_engineering") == "IT & engineering"
    assert group_label("source", "") == "(none)"


def test_the_report_runs_the_same_queries_however_many_leads(data):

    with CaptureQueriesContext(connection) as few:
        report()
    for _ in range(10):
        extra = LeadFactory(segment=data["core"], stage=Stage.MQL, sla_due_at=at(10, 9, 13))
        step(extra, "new", "mql", "mark-mql", at(10, 15, 9))
    with CaptureQueriesContext(connection) as many:
        assert report().total.mql == 17
    assert len(many) == len(few) <= 10


# The SQLite demo's medians: the same figures, worked out in Python ---------------------------


def test_percentile_cont_interpolates_as_postgresql_does():
    values = [dt.timedelta(hours=h) for h in (24, 0.5, 3, 1)]

    assert percentile_cont(values, 0.5) == 2 * HOUR
    assert percentile_cont(values, 0.9) == 17.7 * HOUR
    assert percentile_cont([HOUR], 0.9) == HOUR
    assert percentile_cont([None, HOUR, None], 0.5) == HOUR
    assert percentile_cont([], 0.5) is None


@pytest.mark.parametrize("dimension", ["segment", "source", "persona", "tier"])
def test_the_python_percentiles_give_what_postgresql_gives(data, dimension):
    sql = funnel_report(
        start=OCT_1, end=OCT_31, dimension=dimension, now=at(11, 22, 12), percentiles_in_sql=True
    )
    python = funnel_report(
        start=OCT_1, end=OCT_31, dimension=dimension, now=at(11, 22, 12), percentiles_in_sql=False
    )

    assert sql.percentiles_in_sql and not python.percentiles_in_sql
    assert python.rows == sql.rows
    assert python.total == sql.total
    assert python.stage_times == sql.stage_times
    assert python.reasons == sql.reasons
    # Every figure is there, not "—".
    assert python.total.ftt_median == 1.5 * HOUR
    assert all(stay.median is not None for stay in python.stage_times)


def test_the_python_percentiles_match_postgresql_on_awkward_durations(data):
    # Stays with seconds and microseconds, across a DST change (25 Oct 2026 in London).
    core = data["core"]
    owner = UserFactory()
    for minutes, micros in ((7, 1), (61, 333_333), (1_441, 999_999), (3, 0)):
        lead = LeadFactory(segment=core, stage=Stage.SAL, owner=owner, first_touch_at=None)
        mql_at = at(10, 24, 23)
        step(lead, "new", "mql", "mark-mql", mql_at)
        touched = mql_at + dt.timedelta(minutes=minutes, microseconds=micros)
        Lead.objects.filter(pk=lead.pk).update(first_touch_at=touched)
        step(lead, "mql", "sal", "accept", touched)

    sql = funnel_report(start=OCT_1, end=OCT_31, now=at(11, 22, 12), percentiles_in_sql=True)
    python = funnel_report(start=OCT_1, end=OCT_31, now=at(11, 22, 12), percentiles_in_sql=False)

    assert (python.total.ftt_median, python.total.ftt_p90) == (
        sql.total.ftt_median, sql.total.ftt_p90,
    )  # fmt: skip
    assert python.rows == sql.rows
    assert python.stage_times == sql.stage_times
