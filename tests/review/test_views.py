import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qualification.models import Lead, Segment, Stage
from review.models import Decision, ReviewItem, ReviewSession, RuleChangeProposal, Stratum
from tests.factories import LeadFactory, SegmentFactory, StageTransitionFactory, reason

pytestmark = pytest.mark.django_db

METRICS = reverse("review:metrics")
METRICS_CSV = reverse("review:metrics-csv")


@pytest.fixture
def session(manager):
    return ReviewSession.objects.create(month=dt.date(2026, 10, 1), seed=1, opened_by=manager)


def _item(session, lead, position=1):
    return ReviewItem.objects.create(
        session=session, lead=lead, stratum=Stratum.SDR_REJECTED, position=position,
        stage_when_sampled=lead.stage,
    )  # fmt: skip


def _rejected_lead(when=None):
    lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))
    StageTransitionFactory(
        lead=lead, from_stage=Stage.MQL, to_stage=Stage.DISQUALIFIED, name="reject", rule="t",
        occurred_at=when or dt.datetime.now(dt.UTC), reason_code=reason("bad_fit"),
        note="No budget line this year",
    )  # fmt: skip
    return lead


def test_a_manager_opens_a_session_from_the_list(client, manager):
    lead = _rejected_lead(dt.datetime(2026, 10, 5, 12, tzinfo=dt.UTC))
    client.force_login(manager)

    response = client.post(reverse("review:open-session"), {"month": "2026-10", "size": "20"})

    session = ReviewSession.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("review:session", args=[session.pk])
    assert list(session.items.values_list("lead_id", flat=True)) == [lead.pk]


def test_opening_the_same_month_twice_shows_why(client, manager, session):
    client.force_login(manager)

    response = client.post(reverse("review:open-session"), {"month": "2026-10", "size": "20"})

    assert response.status_code == 422
    assert "already has a review session" in response.text


def test_an_sdr_cannot_open_a_session(client, sdr):
    client.force_login(sdr)

    response = client.post(reverse("review:open-session"), {"month": "2026-10", "size": "20"})

    assert response.status_code == 403


def test_the_session_page_shows_each_leads_brief_rejection_and_history(client, manager, session):
    lead = _rejected_lead()
    _item(session, lead)
    client.force_login(manager)

    response = client.get(reverse("review:session", args=[session.pk]))

    assert response.status_code == 200
    assert str(lead.contact) in response.text
    assert "No budget line this year" in response.text
    assert "Record decision" in response.text
    assert 'value="mql"' in response.text  # a manager may reopen it


def test_the_session_page_runs_as_many_queries_for_twenty_leads_as_for_three(
    client, manager, session
):
    client.force_login(manager)
    for position in range(1, 4):
        _item(session, _rejected_lead(), position)
    url = reverse("review:session", args=[session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for position in range(4, 21):
        _item(session, _rejected_lead(), position)
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_overturning_in_the_page_reopens_the_lead(client, manager, session):
    item = _item(session, _rejected_lead())
    client.force_login(manager)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "Budget confirmed by the CFO", "overturn_to": "mql"},
        follow=True,
    )

    assert "Recorded “overturn”" in response.text
    assert Lead.objects.get(pk=item.lead_id).stage == Stage.MQL
    assert ReviewItem.objects.get(pk=item.pk).overturn.name == "reopen"


def test_a_refused_overturn_says_what_the_engine_needs(client, manager, session):
    item = _item(session, LeadFactory(stage=Stage.NEW, manual_review=True))
    client.force_login(manager)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "Not a fit", "overturn_to": "disqualified"},
        follow=True,
    )

    assert "The lead cannot move: reason code is required" in response.text
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_proposing_and_applying_a_change_through_the_pages(client, manager, revops, session):
    segment = SegmentFactory(slug="core", name="Core")
    client.force_login(manager)
    client.post(
        reverse("review:propose", args=[session.pk]),
        {
            "target": f"threshold:{segment.pk}", "field": "mql_threshold", "value": "65",
            "rationale": "Good leads sat at 65-69",
        },
    )  # fmt: skip
    proposal = RuleChangeProposal.objects.get()

    client.force_login(revops)
    client.post(reverse("review:apply-proposal", args=[proposal.pk]))

    assert Segment.objects.get(pk=segment.pk).mql_threshold == 65
    assert RuleChangeProposal.objects.get().status == "applied"


def test_a_manager_cannot_apply_a_proposal(client, manager, session):
    segment = SegmentFactory(slug="core", name="Core")
    proposal = RuleChangeProposal.objects.create(
        session=session, kind="threshold", segment=segment, field="mql_threshold",
        current_value="70", proposed_value="65", rationale="x", proposed_by=manager,
    )  # fmt: skip
    client.force_login(manager)

    assert client.post(reverse("review:apply-proposal", args=[proposal.pk])).status_code == 403


def test_a_closed_session_page_shows_the_summary_and_no_forms(client, manager, session):
    _item(session, _rejected_lead())
    client.force_login(manager)
    client.post(reverse("review:close-session", args=[session.pk]))

    response = client.get(reverse("review:session", args=[session.pk]))

    assert ReviewSession.objects.get().status == "closed"
    assert "Summary" in response.text
    assert "Record decision" not in response.text
    assert "Propose change" not in response.text
    assert "Close session" not in response.text


def test_posting_a_decision_to_a_closed_session_changes_nothing(client, manager, session):
    item = _item(session, _rejected_lead())
    client.force_login(manager)
    client.post(reverse("review:close-session", args=[session.pk]))

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "x", "overturn_to": "mql"},
        follow=True,
    )

    assert "is closed" in response.text
    assert Lead.objects.get(pk=item.lead_id).stage == Stage.DISQUALIFIED


def test_the_old_board_lists_the_sessions(client, manager, session):
    client.force_login(manager)

    response = client.get(reverse("qualification:board"))

    assert "Monthly review sessions" in response.text
    assert reverse("review:session", args=[session.pk]) in response.text


# Metrics ------------------------------------------------------------------------------------


def _mql_lead(segment, **kwargs):
    lead = LeadFactory(segment=segment, stage=Stage.MQL, **kwargs)
    StageTransitionFactory(
        lead=lead, from_stage=Stage.NEW, to_stage=Stage.MQL, name="mark-mql", rule="t",
        occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )  # fmt: skip
    return lead


def test_the_metrics_page_shows_the_funnel(client, manager):
    _mql_lead(SegmentFactory(slug="core", name="Core"))
    client.force_login(manager)

    response = client.get(METRICS)

    assert response.status_code == 200
    assert response.context["report"].total.mql == 1
    assert "Conversion by segment" in response.text
    assert "<svg" in response.text


def test_the_metrics_page_query_count_does_not_grow_with_leads(client, manager):
    core = SegmentFactory(slug="core", name="Core")
    other = SegmentFactory(slug="other", name="Other")
    _mql_lead(core)
    client.force_login(manager)
    client.get(METRICS)
    with CaptureQueriesContext(connection) as few:
        client.get(METRICS)
    for _ in range(20):
        _mql_lead(other)
        _rejected_lead()
    with CaptureQueriesContext(connection) as many:
        response = client.get(METRICS)

    assert response.context["report"].total.mql == 21
    assert len(many) == len(few)


def test_an_sdr_may_not_read_the_metrics(client, sdr):
    client.force_login(sdr)

    assert client.get(METRICS).status_code == 403


def test_a_bad_period_is_a_400_with_the_reason(client, marketing):
    client.force_login(marketing)

    response = client.get(METRICS, {"start": "2026-10-31", "end": "2026-10-01"})

    assert response.status_code == 400
    assert "ends before it starts" in response.text


def test_the_csv_export_defuses_formula_cells(client, marketing):
    segment = SegmentFactory(slug="evil", name="=HYPERLINK(1)")
    _mql_lead(segment)
    client.force_login(marketing)

    response = client.get(METRICS_CSV, {"by": "segment"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Segment", "MQLs", "SALs"]
    assert rows[1][:2] == ["'=HYPERLINK(1)", "1"]
    assert rows[2][:2] == ["All", "1"]


def test_the_nav_shows_metrics_to_marketing(client, marketing):
    client.force_login(marketing)

    response = client.get(reverse("qualification:lead-list"))

    assert f'href="{METRICS}"' in response.text


def test_an_sdr_sees_no_metrics_link(client, sdr):
    client.force_login(sdr)

    response = client.get(reverse("qualification:lead-list"))

    assert f'href="{METRICS}"' not in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "2026-10-01", "end": "9999-12-31"},
    ],
)
def test_a_period_outside_any_sane_window_is_a_400_beside_the_field(client, manager, query):
    client.force_login(manager)

    page = client.get(METRICS, query)
    export = client.get(METRICS_CSV, query)

    assert page.status_code == 400
    assert re.search(r'id="id_(start|end)_error">Choose a date from 1 Jan 2000 to ', page.text)
    assert export.status_code == 400
    assert "Choose a date from 1 Jan 2000" in export.text


def test_a_period_that_ends_before_it_starts_says_so_beside_the_end(client, manager):
    client.force_login(manager)

    response = client.get(METRICS, {"start": "2026-10-31", "end": "2026-10-01"})

    assert response.status_code == 400
    assert 'id="id_end_error">The period ends before it starts' in response.text
    assert 'aria-describedby="id_end_error"' in response.text


def test_a_span_over_a_year_is_refused(client, manager):
    client.force_login(manager)

    response = client.get(METRICS_CSV, {"start": "2020-01-01", "end": "2026-01-01"})

    assert response.status_code == 400
    assert response.text == "To: Choose a period of a year or less."


def test_the_metrics_headings_say_icp_tier_as_people_do(client, manager):
    _mql_lead(SegmentFactory(slug="core", name="Core"))
    client.force_login(manager)

    response = client.get(METRICS, {"by": "tier"})

    assert "Conversion by ICP tier" in response.text
    assert "First touch and SLA by ICP tier" in response.text
    assert "icp tier" not in response.text


def _bar_widths(html: str, caption: str) -> list[float]:
    chart = html[html.index(f"<figcaption>{caption}</figcaption>") :]
    chart = chart[: chart.index("</svg>")]
    return [
        float(w)
        for w in re.findall(r'class="chart-bar" x="\d+" y="[\d.]+" width="([\d.]+)"', chart)
    ]


def test_rate_bars_are_drawn_on_a_full_scale(client, manager):
    segment = SegmentFactory(slug="core", name="Core")
    accepted, rejected = _mql_lead(segment), _mql_lead(segment)
    for lead, name, to in (
        (accepted, "accept", Stage.SAL),
        (rejected, "reject", Stage.DISQUALIFIED),
    ):
        StageTransitionFactory(
            lead=lead, from_stage=Stage.MQL, to_stage=to, name=name, rule="t",
            occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        )  # fmt: skip
    client.force_login(manager)

    response = client.get(METRICS)

    assert response.context["report"].total.acceptance_rate == 0.5
    # Half the bar's 300 units for 50 %, not the whole bar because it is the largest.
    assert _bar_widths(response.text, "SAL acceptance rate") == [150.0]
