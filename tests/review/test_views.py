import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

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


def _proposal(session, manager, field="mql_threshold", value="65"):
    segment = Segment.objects.filter(slug="core").first() or SegmentFactory(
        slug="core", name="Core", mql_threshold=70, nurture_floor=40
    )
    return RuleChangeProposal.objects.create(
        session=session, kind="threshold", segment=segment, field=field,
        current_value=str(getattr(segment, field)), proposed_value=value, rationale="x",
        proposed_by=manager,
    )  # fmt: skip


def _close(client, manager, session):
    """Close as a manager, confirming whatever is left undecided."""
    client.force_login(manager)
    left = session.items.filter(decision=Decision.PENDING).count()
    pending = session.proposals.filter(status="proposed").count()
    response = client.post(
        reverse("review:close-session", args=[session.pk]),
        {"undecided": str(left), "pending": str(pending)},
    )
    assert response.status_code == 302


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(html: str) -> str:
    """What a person reads: the text between the tags (attribute values left out)."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def _part(html: str, marker: str) -> str:
    """The element whose opening tag holds `marker`, through its closing tag."""
    start = html.rindex("<", 0, html.index(marker))
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, pos = 0, start
    for found in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            pos = start + found.end()
            break
    return html[start : html.index(">", pos) + 1]


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


def test_a_refused_overturn_answers_in_place_with_the_typing_kept(client, manager, session):
    item = _item(session, LeadFactory(stage=Stage.NEW, manual_review=True))
    client.force_login(manager)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "Not a fit: reseller", "overturn_to": "disqualified"},
    )

    assert response.status_code == 422
    card = _part(response.text, f'id="item-{item.pk}"')
    # The engine's message beside the reason code, which the input names.
    assert f'aria-describedby="reason-{item.pk}-error"' in card
    assert re.search(rf'id="reason-{item.pk}-error">[^<]*reason code is required', card, re.I)
    # What was typed is still there.
    assert ">Not a fit: reseller</textarea>" in card
    assert 'value="overturn" checked' in card
    assert '<option value="disqualified" selected>' in card
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_a_refused_overturn_over_htmx_answers_with_its_card_alone(client, manager, session):
    item = _item(session, LeadFactory(stage=Stage.NEW, manual_review=True))
    client.force_login(manager)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "", "overturn_to": "disqualified"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert response.text.lstrip().startswith(
        f'<article class="review-card decision-pending" id="item-{item.pk}"'
    )
    assert "<html" not in response.text
    assert f'id="note-{item.pk}-error"' in response.text
    assert "needs a note" in response.text


def test_a_decision_over_htmx_answers_with_the_card_and_the_new_counts(client, manager, session):
    item = _item(session, _rejected_lead())
    client.force_login(manager)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "agree", "note": "Right call"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert f'id="item-{item.pk}"' in response.text
    counts = _part(response.text, 'id="decision-counts"')
    assert 'hx-swap-oob="true"' in counts
    assert '<strong data-count="agree">1</strong>' in response.text
    assert "Recorded “agree”" in response.text
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.AGREE


def test_a_nurture_card_offers_no_overturn(client, manager, session):
    item = _item(session, LeadFactory(stage=Stage.NURTURE, recycle_on=dt.date(2027, 3, 1)))
    client.force_login(manager)

    response = client.get(reverse("review:session", args=[session.pk]))

    card = _part(response.text, f'id="item-{item.pk}"')
    assert 'value="agree"' in card
    assert 'value="overturn"' not in card
    assert "No overturn: from Nurture" in card


def test_a_refused_proposal_keeps_what_was_typed_beside_its_field(client, manager, session):
    segment = SegmentFactory(slug="core", name="Core")
    client.force_login(manager)

    response = client.post(
        reverse("review:propose", args=[session.pk]),
        {
            "target": f"threshold:{segment.pk}", "field": "mql_threshold", "value": "sixty",
            "rationale": "Good leads sat at 65-69",
        },
    )  # fmt: skip

    assert response.status_code == 422
    form = _part(response.text, 'class="act-form proposal-form"')
    assert 'id="id_value_error">“sixty” is not a whole number' in form
    assert 'value="sixty"' in form
    assert ">\nGood leads sat at 65-69</textarea>" in form
    assert f'<option value="threshold:{segment.pk}" selected>' in form
    assert not RuleChangeProposal.objects.exists()


def test_a_decline_without_a_reason_is_refused_beside_the_field(client, manager, revops, session):
    proposal = _proposal(session, manager)
    client.force_login(revops)

    response = client.post(
        reverse("review:decline-proposal", args=[proposal.pk]), {"note": "  "},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="proposals"')
    assert f'id="decline-{proposal.pk}-error">Say why the change is declined' in response.text
    assert RuleChangeProposal.objects.get().status == "proposed"


def test_a_refused_apply_says_why_in_the_proposals_row(client, manager, revops, session):
    proposal = _proposal(session, manager, field="nurture_floor", value="90")
    client.force_login(revops)

    response = client.post(reverse("review:apply-proposal", args=[proposal.pk]))

    assert response.status_code == 422
    row = _part(response.text, f'id="proposal-{proposal.pk}"')
    assert f'id="proposal-{proposal.pk}-errors"' in row
    assert RuleChangeProposal.objects.get().status == "proposed"


def test_closing_with_undecided_leads_asks_and_says_how_many(client, manager, session):
    _item(session, _rejected_lead())
    _item(session, _rejected_lead(), position=2)
    _proposal(session, manager)
    client.force_login(manager)

    response = client.post(reverse("review:close-session", args=[session.pk]))

    assert response.status_code == 422
    assert "2 leads are still undecided and 1 proposal awaits RevOps" in response.text
    assert 'name="undecided" value="2"' in response.text
    assert 'name="pending" value="1"' in response.text
    assert ReviewSession.objects.get().is_open

    response = client.post(
        reverse("review:close-session", args=[session.pk]), {"undecided": "2", "pending": "1"}
    )

    assert response.status_code == 302
    assert ReviewSession.objects.get().status == "closed"


def test_the_close_button_says_what_is_left(client, manager, session):
    _item(session, _rejected_lead())
    client.force_login(manager)

    response = client.get(reverse("review:session", args=[session.pk]))

    assert "1 lead is still undecided. Closing keeps the summary" in response.text


def test_revops_decides_a_proposal_left_pending_at_close_in_the_page(
    client, manager, revops, session
):
    proposal = _proposal(session, manager)
    _close(client, manager, session)
    client.force_login(revops)

    page = client.get(reverse("review:session", args=[session.pk]))
    assert f'action="{reverse("review:apply-proposal", args=[proposal.pk])}"' in page.text

    response = client.post(reverse("review:apply-proposal", args=[proposal.pk]), follow=True)

    assert "Applied: Core now has MQL threshold 65" in response.text
    assert Segment.objects.get(slug="core").mql_threshold == 65
    summary = _part(response.text, 'id="session-summary"')
    assert "Decided by RevOps after the session closed" in summary
    assert "“MQL threshold → 65” applied by revops" in summary


def test_proposals_show_their_fields_as_people_say_them(client, manager, revops, session):
    client.force_login(manager)
    segment = SegmentFactory(slug="core", name="Core")
    response = client.post(
        reverse("review:propose", args=[session.pk]),
        {
            "target": f"threshold:{segment.pk}", "field": "mql_threshold", "value": "65",
            "rationale": "Good leads sat at 65-69",
        },
        follow=True,
    )  # fmt: skip

    text = visible_text(response.text)
    assert "Proposed: Core MQL threshold → 65." in text
    assert "MQL threshold: 70 → 65" in text
    assert "mql_threshold" not in text
    assert "Mql threshold" not in text


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
    _close(client, manager, session)

    response = client.get(reverse("review:session", args=[session.pk]))

    assert ReviewSession.objects.get().status == "closed"
    assert "Summary" in response.text
    assert "Record decision" not in response.text
    assert "Propose change" not in response.text
    assert "Close session" not in response.text


def test_posting_a_decision_to_a_closed_session_changes_nothing(client, manager, session):
    item = _item(session, _rejected_lead())
    _close(client, manager, session)

    response = client.post(
        reverse("review:decide", args=[session.pk, item.pk]),
        {"decision": "overturn", "note": "x", "overturn_to": "mql"},
    )

    assert response.status_code == 422
    assert "is closed" in response.text
    assert Lead.objects.get(pk=item.lead_id).stage == Stage.DISQUALIFIED


def test_the_old_board_lists_the_sessions(client, manager, session):
    client.force_login(manager)

    response = client.get(reverse("review:borderline-leads"))

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


# Accessibility ------------------------------------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        for ref in (found.get("aria-describedby") or "").split():
            self.described.append((tag, ref))


def dangling_descriptions(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return [f"<{tag}> → #{ref}" for tag, ref in parser.described if ref not in parser.ids]


def test_every_aria_describedby_on_the_review_pages_names_an_element(
    client, manager, revops, session
):
    nurture = _item(session, LeadFactory(stage=Stage.NURTURE, recycle_on=dt.date(2027, 3, 1)))
    borderline = _item(session, LeadFactory(stage=Stage.NEW, manual_review=True), position=2)
    proposal = _proposal(session, manager)
    client.force_login(manager)
    pages = {
        "sessions": client.get(reverse("review:sessions")),
        "sessions, bad month": client.post(
            reverse("review:open-session"), {"month": "Oct", "size": "2"}
        ),
        "session": client.get(reverse("review:session", args=[session.pk])),
        "refused decision": client.post(
            reverse("review:decide", args=[session.pk, borderline.pk]),
            {"decision": "overturn", "overturn_to": "disqualified"},
        ),
        "refused nurture overturn": client.post(
            reverse("review:decide", args=[session.pk, nurture.pk]), {"decision": "overturn"}
        ),
        "refused proposal": client.post(
            reverse("review:propose", args=[session.pk]),
            {"target": "", "field": "points", "value": "x"},
        ),
        "close asks": client.post(reverse("review:close-session", args=[session.pk])),
        "metrics": client.get(METRICS),
        "metrics, bad period": client.get(METRICS, {"start": "2026-10-31", "end": "2026-10-01"}),
        "metrics, year 9999": client.get(METRICS, {"start": "9999-12-31", "end": "9999-12-31"}),
        "board": client.get(reverse("review:borderline-leads")),
    }
    client.force_login(revops)
    pages["refused decline"] = client.post(
        reverse("review:decline-proposal", args=[proposal.pk]), {"note": ""}
    )

    for name, response in pages.items():
        assert response.status_code in (200, 400, 422), name
        assert dangling_descriptions(response.text) == [], name
    assert 'aria-describedby="id_month_helptext"' in pages["sessions"].text
    assert 'id="id_month_helptext"' in pages["sessions"].text
