"""The SAL queue page and its actions: accept, reject, claim next (qualification/queue_views.py)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence
from qualification.models import Lead, Motion, ReasonCode, Segment, Stage, StageTransition
from qualification.web.queue.services import QueueScope, claim_next_lead, queue_segments
from tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    in_days,
    reason,
    tomorrow,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("qualification:queue")
CLAIM = reverse("qualification:claim-next")
HTMX = {"HX-Request": "true"}


def accept_url(lead) -> str:
    return reverse("qualification:accept-lead", args=[lead.pk])


def reject_url(lead) -> str:
    return reverse("qualification:reject-lead", args=[lead.pk])


def mql(**kwargs) -> Lead:
    kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=2))
    return LeadFactory(stage=Stage.MQL, **kwargs)


def row_html(html: str, lead) -> str:
    match = re.search(rf'<tbody id="lead-{lead.pk}".*?</tbody>', html, re.S)
    assert match, f"no row for lead {lead.pk}"
    return match.group(0)


def accept_data(sdr, **overrides) -> dict:
    data = {
        "owner": str(sdr.pk),
        "icp_confirmed": "on",
        "next_action": "Book discovery call",
        "next_action_due": tomorrow().isoformat(),
        "next": QUEUE,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def reject_data(**overrides) -> dict:
    data = {"reason_code": "bad_fit", "note": "Agency, not a buyer", "next": QUEUE}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counter(html: str, name: str) -> int:
    match = re.search(
        rf'data-counter="{name}"[^>]*><strong class="counter-value">(\d+)</strong>', html
    )
    assert match, f"no {name} counter"
    return int(match.group(1))


# The list ------------------------------------------------------------------------------------


def test_the_queue_lists_only_mqls(client, sdr):
    waiting = mql()
    LeadFactory(stage=Stage.NEW)
    LeadFactory(stage=Stage.SAL, owner=sdr)
    client.force_login(sdr)

    response = client.get(QUEUE)

    assert list(response.context["page"].object_list) == [waiting]


def test_the_queue_puts_the_most_urgent_sla_first(client, sdr):
    now = timezone.now()
    later = mql(sla_due_at=now + dt.timedelta(hours=3))
    sooner = mql(sla_due_at=now + dt.timedelta(hours=1))
    overdue = mql(sla_due_at=now - dt.timedelta(hours=1))
    client.force_login(sdr)

    response = client.get(QUEUE)

    assert list(response.context["page"].object_list) == [overdue, sooner, later]


def test_the_queue_labels_breached_slas_in_words_and_red(client, sdr):
    overdue = mql(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    on_time = mql(sla_due_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(sdr)

    html = client.get(QUEUE).text

    assert "Breached" in row_html(html, overdue)
    assert "row-breached" in row_html(html, overdue)
    assert "sla-breached" in row_html(html, overdue)
    assert "Breached" not in row_html(html, on_time)


def test_each_row_shows_the_handoff_brief(client, sdr):
    contact = ContactFactory(title="VP Revenue Operations", persona_function="sales")
    contact.persona_seniority = "vp"
    contact.save()
    lead = mql(
        contact=contact,
        intent_score=82,
        intent_band="high",
        source="demo_request",
        score_explanation=["Tier A ICP", "pricing page ×2", "3 sessions in 7 days"],
        form_answers={"team_size": "40", "use_case": "Routing inbound leads"},
    )
    client.force_login(sdr)

    row = row_html(client.get(QUEUE).text, lead)

    for text in (
        str(lead.contact),
        "VP Revenue Operations",
        "VP · Sales",  # persona: seniority · function
        lead.account.name,
        "Tier A",
        "High intent · 82",
        "Tier A ICP · pricing page ×2 · 3 sessions in 7 days",
        "Team size:</span> 40",
        "Routing inbound leads",
        "Demo request",
        "Core",
        "Book the demo they asked for",  # the expected next step
    ):
        assert text in row, text
    assert "PQL" not in row


def test_a_row_counts_the_other_open_leads_from_its_account(client, sdr, core):
    lead = mql()
    account = lead.account
    elsewhere = SegmentFactory(slug="expansion", name="Expansion")
    for stage, segment in ((Stage.NEW, core), (Stage.SAL, elsewhere)):  # open, any segment
        LeadFactory(
            stage=stage, segment=segment, owner=sdr, contact=ContactFactory(account=account)
        )
    # Not open, so not counted: a disqualified lead, and an MQL merged away as a duplicate.
    LeadFactory(
        stage=Stage.DISQUALIFIED,
        reason_code=reason("bad_fit"),
        contact=ContactFactory(account=account),
    )
    LeadFactory(
        stage=Stage.DISQUALIFIED,
        reason_code=reason("duplicate"),
        duplicate_of=lead,
        contact=ContactFactory(account=account),
    )
    alone = mql()  # the only lead of its account
    client.force_login(sdr)

    html = client.get(QUEUE).text

    row = row_html(html, lead)
    assert "2 other open leads from this account" in row
    assert f'href="{reverse("qualification:account-detail", args=[account.pk])}"' in row
    assert "other open lead" not in row_html(html, alone)


def test_a_row_says_one_other_open_lead_in_the_singular(client, sdr):
    lead = mql()
    mql(contact=ContactFactory(account=lead.account))
    client.force_login(sdr)

    assert "1 other open lead from this account" in row_html(client.get(QUEUE).text, lead)


def test_a_product_led_lead_carries_the_pql_badge(client, sdr):
    lead = mql(motion=Motion.PRODUCT_LED, source="product_signup")
    client.force_login(sdr)

    row = row_html(client.get(QUEUE).text, lead)

    assert 'class="badge badge-pql"' in row
    assert "offer onboarding help" in row


def test_the_queue_pages_by_twenty_five(client, sdr):
    for _ in range(26):
        mql()
    client.force_login(sdr)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 1
    assert "page=2" in first.text


def test_an_empty_queue_says_so(client, sdr):
    client.force_login(sdr)

    assert "The queue is empty" in client.get(QUEUE).text


def test_an_sdr_on_no_segment_is_told_to_ask_revops(client):
    client.force_login(UserFactory(role=roles.SDR))
    mql()

    html = client.get(QUEUE).text

    assert "The queue is empty" in html
    assert "ask RevOps to add you to a segment" in html


def assert_every_input_is_labelled(html: str, at_least: int) -> None:
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    inputs = re.findall(r"<(?:input|select|textarea)(?![^>]*type=\"hidden\")[^>]*>", html)
    assert len(ids) == len(inputs) >= at_least
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


def test_the_page_carries_no_inline_script_and_labels_every_input(client, sdr):
    lead = mql()
    mql(contact=lead.contact)  # a lead it might duplicate: the reject form shows the picker
    client.force_login(sdr)

    page = client.get(QUEUE).text
    forms = client.get(accept_url(lead), headers=HTMX).text

    assert not re.search(r"<script(?![^>]*\bsrc=)", page + forms)
    assert "hx-on" not in page + forms
    assert_every_input_is_labelled(page, at_least=7)  # the filters
    assert_every_input_is_labelled(forms, at_least=8)  # accept and reject


# Who sees what and may act -------------------------------------------------------------------


def test_an_sdr_sees_only_the_mqls_of_their_segments(client, sdr):
    mine = mql()
    mql(segment=SegmentFactory(slug="enterprise", name="Enterprise"))
    client.force_login(sdr)

    assert list(client.get(QUEUE).context["page"].object_list) == [mine]


def test_with_territory_scope_an_sdr_works_their_segments_territories(client, settings, sdr):
    settings.QUEUE_SDR_SCOPE = "territory"
    Segment.objects.filter(slug="core").update(territories=["UK & Ireland"])
    elsewhere = SegmentFactory(slug="enterprise", name="Enterprise")
    uk = mql(segment=elsewhere, account=AccountFactory(territory="UK & Ireland"))
    mql(account=AccountFactory(territory="DACH"))
    client.force_login(sdr)

    assert list(client.get(QUEUE).context["page"].object_list) == [uk]


def test_with_any_scope_an_sdr_sees_every_mql(client, settings, sdr):
    settings.QUEUE_SDR_SCOPE = "any"
    mql()
    mql(segment=SegmentFactory(slug="enterprise", name="Enterprise"))
    client.force_login(sdr)

    assert client.get(QUEUE).context["page"].paginator.count == 2


def test_an_unknown_scope_setting_fails_loudly(client, settings, sdr):

    settings.QUEUE_SDR_SCOPE = "everything"
    client.force_login(sdr)

    with pytest.raises(ImproperlyConfigured):
        client.get(QUEUE)


@pytest.mark.parametrize("role", [roles.MANAGER, roles.REVOPS])
def test_managers_and_revops_see_every_segment_but_get_no_action_forms(client, role):
    mql()
    mql(segment=SegmentFactory(slug="enterprise", name="Enterprise"))
    client.force_login(UserFactory(role=role))

    response = client.get(QUEUE)

    assert response.context["page"].paginator.count == 2
    assert 'data-act="accept"' not in response.text
    assert 'data-act="reject"' not in response.text
    assert "Claim next" not in response.text


@pytest.mark.parametrize("role", [roles.AE, roles.MARKETING, None])
def test_other_roles_may_not_open_the_queue(client, role):
    client.force_login(UserFactory(role=role))

    assert client.get(QUEUE).status_code == 403


@pytest.mark.parametrize("role", [roles.AE, roles.MARKETING, roles.MANAGER])
@pytest.mark.parametrize("action", ["accept", "reject", "claim"])
def test_roles_without_the_permission_may_not_act(client, role, action, sdr):
    lead = mql()
    client.force_login(UserFactory(role=role))
    url = {"accept": accept_url(lead), "reject": reject_url(lead), "claim": CLAIM}[action]
    data = {"accept": accept_data(sdr), "reject": reject_data(), "claim": {}}[action]

    assert client.post(url, data).status_code == 403
    if action != "claim":
        assert client.get(url, headers=HTMX).status_code == 403
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert lead.owner is None


def test_an_sdr_may_not_act_on_a_lead_outside_their_segments(client, sdr):
    lead = mql(segment=SegmentFactory(slug="enterprise", name="Enterprise"))
    client.force_login(sdr)

    assert client.post(accept_url(lead), accept_data(sdr)).status_code == 403
    assert client.post(reject_url(lead), reject_data()).status_code == 403
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_claim_next_refuses_get(client, sdr):
    client.force_login(sdr)

    assert client.get(CLAIM).status_code == 405


@pytest.mark.parametrize("action", ["accept", "reject", "claim"])
def test_a_post_without_the_csrf_token_is_refused(sdr, action):
    lead = mql()
    client = Client(enforce_csrf_checks=True)
    client.force_login(sdr)
    url = {"accept": accept_url(lead), "reject": reject_url(lead), "claim": CLAIM}[action]
    data = {"accept": accept_data(sdr), "reject": reject_data(), "claim": {}}[action]

    response = client.post(url, data)

    assert response.status_code == 403
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.MQL, None)


def test_a_post_with_the_csrf_token_from_the_page_is_accepted(sdr):
    lead = mql()
    client = Client(enforce_csrf_checks=True)
    client.force_login(sdr)
    html = client.get(QUEUE).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = client.post(accept_url(lead), {**accept_data(sdr), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL


# Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value", "match", "other"),
    [
        ("icp_tier", "B", {"fit_tier": "B"}, {"fit_tier": "A"}),
        ("intent_band", "medium", {"intent_band": "medium"}, {"intent_band": "high"}),
        ("source", "webinar", {"source": "webinar"}, {"source": "form"}),
    ],
)
def test_the_queue_filters_by_a_field(client, sdr, param, value, match, other):
    wanted = mql(**match)
    mql(**other)
    client.force_login(sdr)

    response = client.get(QUEUE, {param: value})

    assert list(response.context["page"].object_list) == [wanted]


def test_the_queue_filters_by_segment(client, settings, sdr):
    settings.QUEUE_SDR_SCOPE = "any"
    enterprise = SegmentFactory(slug="enterprise", name="Enterprise")
    wanted = mql(segment=enterprise)
    mql()
    client.force_login(sdr)

    response = client.get(QUEUE, {"segment": enterprise.pk})

    assert list(response.context["page"].object_list) == [wanted]


def test_the_queue_filters_by_territory(client, sdr):
    Segment.objects.filter(slug="core").update(territories=["Nordics", "DACH"])
    wanted = mql(account=AccountFactory(territory="Nordics"))
    mql(account=AccountFactory(territory="DACH"))
    client.force_login(sdr)

    response = client.get(QUEUE, {"territory": "Nordics"})

    assert list(response.context["page"].object_list) == [wanted]


def test_the_queue_filters_by_owner(client, sdr, other_sdr):
    mine = mql(owner=sdr)
    theirs = mql(owner=other_sdr)
    nobodys = mql()
    client.force_login(sdr)

    def shown(owner):
        return list(client.get(QUEUE, {"owner": owner}).context["page"].object_list)

    assert shown("mine") == [mine]
    assert shown("unassigned") == [nobodys]
    assert shown(str(other_sdr.pk)) == [theirs]
    assert len(shown("")) == 3


def test_the_queue_shows_only_breached_leads_when_asked(client, sdr):
    breached = mql(sla_due_at=timezone.now() - dt.timedelta(minutes=5))
    mql(sla_due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(sdr)

    response = client.get(QUEUE, {"breached": "on"})

    assert list(response.context["page"].object_list) == [breached]
    assert "1 MQL matches these filters" in response.text


def test_filters_are_kept_in_the_page_links_and_the_forms_return_address(client, sdr):
    for _ in range(51):
        mql(source="webinar")
    client.force_login(sdr)

    html = client.get(QUEUE, {"source": "webinar"}).text

    assert "source=webinar&amp;page=2" in html
    assert 'name="next" value="/queue/?source=webinar"' in html  # claim next comes back here
    assert 'href="/queue/?source=webinar&amp;focus=' in html  # a row's Accept without htmx


def test_an_htmx_filter_request_gets_only_the_results(client, sdr):
    mql()
    client.force_login(sdr)

    response = client.get(QUEUE, {"source": "form"}, headers=HTMX)

    assert response.text.lstrip().startswith('<div id="queue-results">')
    # The count, a live region outside the results, gets its new text out of band.
    assert 'aria-live="polite" aria-atomic="true" hx-swap-oob="innerHTML"' in response.text
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, sdr):
    client.force_login(sdr)

    response = client.get(
        QUEUE, {"source": "form"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.text
    assert "HX-Request" in response["Vary"]


def test_a_bad_filter_value_is_ignored_not_an_error(client, sdr):
    mql()
    client.force_login(sdr)

    response = client.get(QUEUE, {"segment": "nope", "owner": "99999", "page": "x"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize("focus", ["\u00b2", "\u0663", "-1", "1.5", "abc", "", "9" * 30])
def test_an_odd_lead_to_show_first_is_ignored_not_an_error(client, sdr, focus):
    lead = mql()
    client.force_login(sdr)

    response = client.get(QUEUE, {"focus": focus, "act": "accept"})

    assert response.status_code == 200
    assert response.context["focus_lead"] is None
    assert list(response.context["page"].object_list) == [lead]


# Counters and query counts -------------------------------------------------------------------


def test_the_counters_show_waiting_breached_and_mine_today(client, sdr):
    mql()
    mql(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    mql(segment=SegmentFactory(slug="enterprise", name="Enterprise"))  # not in scope
    answered = mql()
    transition_lead(
        lead=answered,
        to=Stage.DISQUALIFIED,
        actor=sdr,
        evidence=Evidence(reason_code=reason("junk"), note="Spam"),
    )
    client.force_login(sdr)

    html = client.get(QUEUE).text

    assert (counter(html, "waiting"), counter(html, "breached")) == (2, 1)
    assert counter(html, "mine-today") == 1


def _bulk_mqls(count: int, owners: list, segment: Segment) -> None:
    contacts = [ContactFactory(account=AccountFactory(territory="UK")) for _ in range(12)]
    now = timezone.now()
    Lead.objects.bulk_create(
        Lead(
            contact=contacts[n % len(contacts)],
            account=contacts[n % len(contacts)].account,
            segment=segment,
            stage=Stage.MQL,
            source="form",
            fit_tier="A",
            intent_score=80,
            intent_band="high",
            owner=owners[n % len(owners)],
            score_explanation=["Tier A ICP", "pricing page ×2"],
            form_answers={"team_size": str(n)},
            sla_due_at=now + dt.timedelta(minutes=n - 100),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("role", [roles.SDR, roles.MANAGER])
def test_the_page_runs_as_many_queries_for_200_mqls_as_for_10(client, core, role):
    user = UserFactory(role=role)
    core.sdrs.add(user)
    owners = [None, user, UserFactory(role=roles.SDR), UserFactory(role=roles.AE)]
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(QUEUE, {"source": "form"})
        assert response.status_code == 200
        return len(context.captured_queries)

    _bulk_mqls(10, owners, core)
    few = queries()
    _bulk_mqls(190, owners, core)
    many = queries()

    assert many == few
    # pinned: session, user, counters, filters, page, owners, duplicates, the accounts' other
    # open leads…
    assert many == 13


# The SLA clock as the queue shows it ---------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


def _london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=LONDON)  # 23 Nov 2026 is a Monday


@pytest.mark.parametrize(
    ("now", "due", "shown"),
    [
        # Friday 16:00, due Monday 11:00: one hour on Friday, two on Monday.
        (_london(27, 16), _london(30, 11), "3 h left"),
        # Saturday: the weekend does not count, only Monday 09:00–11:00.
        (_london(28, 12), _london(30, 11), "2 h left"),
        # Monday 07:00, before opening: due at 10:30 is 1.5 business hours away.
        (_london(30, 7), _london(30, 10, 30), "1.5 h left"),
        # Tuesday 20:00, after closing, due Wednesday 09:30: half an hour of business time.
        (_london(24, 20), _london(25, 9, 30), "30 min left"),
        # Due Friday 16:00, now Monday 10:00: one hour on Friday, one on Monday, over.
        (_london(30, 10), _london(27, 16), "2 h over"),
        # Due Friday 16:30, now Saturday: breached, half an hour over, the weekend not counted.
        (_london(28, 12), _london(27, 16, 30), "30 min over"),
    ],
)
def test_the_sla_clock_counts_business_hours_only(client, sdr, now, due, shown):
    lead = mql(sla_due_at=due)
    client.force_login(sdr)

    with time_machine.travel(now, tick=False):
        row = row_html(client.get(QUEUE).text, lead)

    assert shown in row
    assert ("Breached" in row) == shown.endswith("over")


def test_the_sla_clock_uses_the_segments_business_hours_and_time_zone(client, sdr):
    Segment.objects.filter(slug="core").update(
        time_zone="America/New_York",
        business_day_start=dt.time(8),
        business_day_end=dt.time(16),
    )
    # Friday 15:00 in New York; due Monday 09:00 there: one hour Friday, one Monday.
    new_york = ZoneInfo("America/New_York")
    lead = mql(sla_due_at=dt.datetime(2026, 11, 30, 9, tzinfo=new_york))
    client.force_login(sdr)

    with time_machine.travel(dt.datetime(2026, 11, 27, 15, tzinfo=new_york), tick=False):
        row = row_html(client.get(QUEUE).text, lead)

    assert "2 h left" in row


# Opening the forms ---------------------------------------------------------------------------


def test_a_row_offers_accept_and_reject_as_links_that_fetch_the_forms(client, sdr):
    lead = mql()
    client.force_login(sdr)

    row = row_html(client.get(QUEUE).text, lead)

    assert f'hx-get="{accept_url(lead)}"' in row
    assert f'hx-get="{reject_url(lead)}"' in row
    assert f'href="/queue/?focus={lead.pk}&amp;act=accept#lead-{lead.pk}"' in row
    assert "<form" not in row


def test_htmx_fetches_the_row_with_the_accept_form_open_and_filled_with_defaults(client, sdr):
    lead = mql(source="demo_request")
    client.force_login(sdr)

    response = client.get(
        accept_url(lead),
        headers={**HTMX, "HX-Current-URL": "http://testserver/queue/?source=demo_request"},
    )

    assert response.status_code == 200
    row = row_html(response.text, lead)
    assert '<details class="act act-accept" open>' in row
    assert '<details class="act act-reject">' in row
    assert f'<option value="{sdr.pk}" selected>Priya Shah</option>' in row
    assert 'value="Book the demo they asked for"' in row
    assert 'name="next" value="/queue/?source=demo_request"' in row
    assert "HX-Request" in response["Vary"]


def test_htmx_fetches_the_row_with_the_reject_form_open(client, sdr):
    lead = mql()
    client.force_login(sdr)

    row = row_html(client.get(reject_url(lead), headers=HTMX).text, lead)

    assert '<details class="act act-reject" open>' in row
    assert '<option value="timing" data-needs="recycle">Timing</option>' in row
    assert '<option value="duplicate" data-needs="linked">Duplicate</option>' in row


def test_without_htmx_a_form_opens_on_the_queue_page_with_the_lead_first(client, sdr):
    lead = mql()
    mql()
    client.force_login(sdr)

    redirect = client.get(reject_url(lead))
    page = client.get(QUEUE, {"focus": lead.pk, "act": "reject"})

    assert redirect.status_code == 302
    assert redirect.url == f"{QUEUE}?focus={lead.pk}&act=reject#lead-{lead.pk}"
    assert page.context["focus_lead"] == lead
    assert "Reject this lead" in page.text
    assert '<details class="act act-reject" open>' in row_html(page.text, lead)
    assert page.text.count(f'id="lead-{lead.pk}"') == 1


def test_the_lead_shown_first_counts_among_the_matches_only_when_it_matches(client, sdr):
    webinar, form = mql(source="webinar"), mql(source="form")
    client.force_login(sdr)

    other = client.get(QUEUE, {"source": "form", "focus": webinar.pk})
    same = client.get(QUEUE, {"source": "form", "focus": form.pk})

    assert other.context["focus_lead"] == webinar
    assert other.context["match_count"] == 1
    assert list(other.context["page"].object_list) == [form]
    assert same.context["focus_lead"] == form
    assert same.context["match_count"] == 1
    assert list(same.context["page"].object_list) == []


def test_opening_a_form_on_a_lead_someone_moved_says_so(client, sdr, other_sdr):
    lead = mql()
    transition_lead(
        lead=lead,
        to=Stage.DISQUALIFIED,
        actor=other_sdr,
        evidence=Evidence(reason_code=reason("junk"), note="Spam"),
    )
    client.force_login(sdr)

    response = client.get(accept_url(lead), headers=HTMX)

    assert "This lead was already moved to Disqualified by Tom Becker" in response.text


# Accept --------------------------------------------------------------------------------------


def test_accepting_moves_the_lead_to_sal_with_the_evidence(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(accept_url(lead), accept_data(sdr, next=f"{QUEUE}?source=form"))

    assert response.status_code == 302
    assert response.url == f"{QUEUE}?source=form"
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL
    assert lead.owner == sdr
    assert lead.next_action == "Book discovery call"
    assert lead.next_action_due == tomorrow()
    assert lead.account.icp_confirmed_by == sdr
    step = StageTransition.objects.get(lead=lead, to_stage=Stage.SAL)
    assert step.actor == sdr
    assert lead.history.latest().history_user == sdr


def test_a_plain_accept_says_what_happened_on_the_next_page(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(accept_url(lead), accept_data(sdr), follow=True)

    assert f"Accepted {lead.contact}" in response.text
    assert "owner Priya Shah" in response.text


def test_an_sdr_may_hand_the_accepted_lead_to_an_ae(client, sdr):
    ae = UserFactory(role=roles.AE)
    lead = mql()
    client.force_login(sdr)

    client.post(accept_url(lead), accept_data(sdr, owner=str(ae.pk)))

    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.SAL, ae)


def test_the_accept_form_keeps_the_leads_owner_and_says_who_it_is(client, sdr):
    maya = UserFactory(role=roles.AE, first_name="Maya", last_name="Okafor")
    lead = mql(owner=maya)
    client.force_login(sdr)

    row = row_html(client.get(accept_url(lead), headers=HTMX).text, lead)

    assert f'<option value="{maya.pk}" selected>Maya Okafor</option>' in row
    assert f'<option value="{sdr.pk}">Priya Shah</option>' in row
    assert "Owned by Maya Okafor now" in row


def test_accepting_with_the_form_as_it_comes_keeps_the_owner(client, sdr):
    maya = UserFactory(role=roles.AE, first_name="Maya", last_name="Okafor")
    lead = mql(owner=maya)
    client.force_login(sdr)
    row = row_html(client.get(accept_url(lead), headers=HTMX).text, lead)
    chosen = re.search(r'<option value="(\d+)" selected>', row).group(1)

    response = client.post(accept_url(lead), accept_data(sdr, owner=chosen), follow=True)

    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.SAL, maya)
    assert "owner Maya Okafor," in response.text
    assert "handed over" not in response.text


def test_handing_an_owned_lead_to_someone_else_says_so(client, sdr):
    maya = UserFactory(role=roles.AE, first_name="Maya", last_name="Okafor")
    lead = mql(owner=maya)
    client.force_login(sdr)

    response = client.post(accept_url(lead), accept_data(sdr), follow=True)

    lead.refresh_from_db()
    assert lead.owner == sdr
    assert "owner Priya Shah (handed over from Maya Okafor)" in response.text


def test_an_owner_who_may_no_longer_own_leads_is_not_swapped_silently(client, sdr):
    gone = UserFactory(role=roles.AE, first_name="Olga", last_name="Berg", is_active=False)
    lead = mql(owner=gone)
    client.force_login(sdr)

    row = row_html(client.get(accept_url(lead), headers=HTMX).text, lead)

    assert '<option value="" selected>Choose an owner…</option>' in row
    assert " selected>Priya Shah<" not in row


def test_the_owner_must_be_an_active_sdr_or_ae(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        accept_url(lead), accept_data(sdr, owner=str(UserFactory(role=roles.MARKETING).pk))
    )

    assert response.status_code == 422
    assert "Choose an active SDR or AE as the owner" in response.text
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_the_owner_gets_the_brief_by_email(
    client, sdr, mailoutbox, django_capture_on_commit_callbacks
):
    lead = mql(score_explanation=["Tier A ICP", "demo request"])
    client.force_login(sdr)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(accept_url(lead), accept_data(sdr), headers=HTMX)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [sdr.email]
    assert "Tier A ICP · demo request" in mailoutbox[0].body


def test_an_htmx_accept_removes_the_row_and_updates_the_counters_out_of_band(client, sdr):
    lead = mql(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    mql()
    client.force_login(sdr)

    response = client.post(accept_url(lead), accept_data(sdr), headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert f'id="lead-{lead.pk}"' not in html  # the row is replaced by nothing
    assert (
        'id="queue-counters" class="counters" aria-label="Queue at a glance" hx-swap-oob="true"'
        in html
    )
    assert (counter(html, "waiting"), counter(html, "breached"), counter(html, "mine-today")) == (
        1,
        0,
        1,
    )
    assert 'id="queue-status"' in html and f"Accepted {lead.contact}" in html
    assert 'id="queue-match-count"' in html and "1 MQL in your queue" in html


def test_a_refused_accept_shows_the_engines_messages_by_the_fields_and_keeps_the_input(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        accept_url(lead),
        accept_data(sdr, icp_confirmed=None, next_action="Call Tuesday", next_action_due=""),
        headers=HTMX,
    )

    assert response.status_code == 422
    row = row_html(response.text, lead)
    assert "Confirm the account fits the ICP" in row
    assert "A due date for the next action is required" in row
    assert 'value="Call Tuesday"' in row
    assert f'id="accept-{lead.pk}-icp-error"' in row
    assert '<details class="act act-accept" open>' in row


def test_a_refused_accept_changes_nothing(client, sdr):
    lead = mql()
    before = lead.history.count()
    client.force_login(sdr)

    client.post(accept_url(lead), accept_data(sdr, icp_confirmed=None), headers=HTMX)

    lead.refresh_from_db()
    assert (lead.stage, lead.owner, lead.next_action) == (Stage.MQL, None, "")
    assert not StageTransition.objects.filter(lead=lead).exists()
    assert lead.history.count() == before


def test_a_due_date_that_is_not_a_date_is_reported_with_the_other_problems(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        accept_url(lead),
        accept_data(sdr, icp_confirmed=None, next_action_due="next tuesday"),
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "Enter the due date as YYYY-MM-DD" in response.text
    assert "Confirm the account fits the ICP" in response.text
    assert 'value="next tuesday"' in response.text


def test_a_past_due_date_is_refused_by_the_engine(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        accept_url(lead), accept_data(sdr, next_action_due=in_days(-1).isoformat()), headers=HTMX
    )

    assert response.status_code == 422
    assert "The next action&#x27;s due date cannot be in the past" in response.text


def test_a_refused_plain_accept_shows_the_whole_page_with_the_form_first(client, sdr):
    lead = mql()
    mql()
    client.force_login(sdr)

    response = client.post(
        accept_url(lead), accept_data(sdr, icp_confirmed=None, next_action="Email the CFO")
    )

    assert response.status_code == 422
    assert "<html" in response.text
    assert response.context["focus_lead"] == lead
    assert "Fix and resubmit" in response.text
    assert "Confirm the account fits the ICP" in response.text
    assert 'value="Email the CFO"' in response.text
    assert response.text.count(f'id="lead-{lead.pk}"') == 1


def test_accepting_a_lead_someone_else_accepted_says_who(client, sdr, other_sdr):
    lead = mql()
    transition_lead(
        lead=lead,
        to=Stage.SAL,
        actor=other_sdr,
        evidence=Evidence(
            owner=other_sdr, icp_confirmed=True, next_action="Call", next_action_due=tomorrow()
        ),
    )
    client.force_login(sdr)

    htmx = client.post(accept_url(lead), accept_data(sdr), headers=HTMX)
    plain = client.post(accept_url(lead), accept_data(sdr), follow=True)

    assert htmx.status_code == 422
    assert "This lead was already moved to SAL by Tom Becker" in htmx.text
    assert "already moved to SAL by Tom Becker" in plain.text
    assert StageTransition.objects.filter(lead=lead, to_stage=Stage.SAL).count() == 1
    lead.refresh_from_db()
    assert lead.owner == other_sdr


def test_the_return_address_must_be_the_queue(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(accept_url(lead), accept_data(sdr, next="https://evil.example/"))

    assert response.url == QUEUE


# Reject --------------------------------------------------------------------------------------


def test_rejecting_with_timing_and_a_recycle_date_nurtures_the_lead(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        reject_url(lead),
        reject_data(reason_code="timing", note="Budget opens in Q3", recycle_on=in_days(90)),
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Rejected" in response.text
    lead.refresh_from_db()
    assert (lead.stage, lead.reason_code.code, lead.recycle_on) == (
        Stage.NURTURE,
        "timing",
        in_days(90),
    )


def test_rejecting_with_timing_needs_a_recycle_date(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        reject_url(lead), reject_data(reason_code="timing", note="Next year"), headers=HTMX
    )

    assert response.status_code == 422
    row = row_html(response.text, lead)
    assert f'id="reject-{lead.pk}-recycle-error">Recycle date is required' in row
    assert '<option value="timing" data-needs="recycle" selected>' in row
    assert ">Next year</textarea>" in row
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_rejecting_with_a_reason_disqualifies_the_lead(client, sdr):
    lead = mql()
    client.force_login(sdr)

    client.post(reject_url(lead), reject_data())

    lead.refresh_from_db()
    assert (lead.stage, lead.reason_code.code) == (Stage.DISQUALIFIED, "bad_fit")
    step = StageTransition.objects.get(lead=lead, to_stage=Stage.DISQUALIFIED)
    assert (step.name, step.note, step.actor) == ("reject", "Agency, not a buyer", sdr)


def test_rejecting_needs_a_reason_and_a_note(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(reject_url(lead), reject_data(reason_code="", note=""), headers=HTMX)

    assert response.status_code == 422
    assert "Reason code is required" in response.text
    assert "A note is required" in response.text


def test_a_duplicate_needs_the_surviving_lead(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        reject_url(lead), reject_data(reason_code="duplicate", note="Same person"), headers=HTMX
    )

    assert response.status_code == 422
    assert "“Duplicate” needs the surviving lead" in response.text


def test_a_duplicate_is_linked_to_the_surviving_lead_by_its_number_or_address(client, sdr):
    survivor = LeadFactory(stage=Stage.SAL, owner=sdr)
    first, second = mql(contact=survivor.contact), mql(contact=survivor.contact)
    client.force_login(sdr)

    client.post(
        reject_url(first),
        reject_data(reason_code="duplicate", note="Same person", duplicate_of=f"#{survivor.pk}"),
    )
    client.post(
        reject_url(second),
        reject_data(
            reason_code="duplicate",
            note="Same person",
            duplicate_of=f"http://testserver/leads/{survivor.pk}/",
        ),
    )

    for lead in (first, second):
        lead.refresh_from_db()
        assert (lead.stage, lead.duplicate_of) == (Stage.DISQUALIFIED, survivor)


@pytest.fixture
def quinns(sdr):
    """Nadia Quinn's MQL at Tessellate Labs, and the leads it might or might not duplicate."""
    tessellate = AccountFactory(name="Tessellate Labs")
    nadia = ContactFactory(first_name="Nadia", last_name="Quinn", account=tessellate)
    george = ContactFactory(
        first_name="George", last_name="Quinn", account=AccountFactory(name="Granitepeak Capital")
    )
    omar = ContactFactory(first_name="Omar", last_name="Haddad", account=tessellate)
    enterprise = SegmentFactory(slug="enterprise", name="Enterprise")
    return {
        "lead": mql(contact=nadia),
        "same_person": LeadFactory(contact=nadia, segment=enterprise, stage=Stage.SAL, owner=sdr),
        "same_account": mql(contact=omar),
        "unrelated": mql(contact=george),
        "disqualified": LeadFactory(
            contact=nadia, stage=Stage.DISQUALIFIED, reason_code=reason("junk")
        ),
    }


def test_the_reject_form_offers_the_likely_surviving_leads_to_pick_from(client, sdr, quinns):
    lead = quinns["lead"]
    client.force_login(sdr)

    row = row_html(client.get(reject_url(lead), headers=HTMX).text, lead)

    picker = re.search(
        r'<select id="reject-\d+-duplicate" name="duplicate_of".*?</select>', row, re.S
    )
    assert picker, "no survivor picker"
    offered = [int(pk) for pk in re.findall(r'<option value="(\d+)"', picker.group(0))]
    assert offered == [quinns["same_person"].pk, quinns["same_account"].pk]
    assert '<optgroup label="The same person">' in picker.group(0)
    assert '<optgroup label="The same account">' in picker.group(0)
    assert "Nadia Quinn · SAL in Enterprise, owner Priya Shah" in picker.group(0)
    assert "Omar Haddad · MQL in Core" in picker.group(0)
    assert 'name="duplicate_of" inputmode' not in row  # no number to type


def test_the_reject_form_says_when_no_lead_could_survive(client, sdr):
    lead = mql()
    client.force_login(sdr)

    row = row_html(client.get(reject_url(lead), headers=HTMX).text, lead)

    assert 'name="duplicate_of"' not in row
    assert "No other lead of this person or account to keep" in row


def test_picking_a_likely_survivor_links_the_duplicate_to_it(client, sdr, quinns):
    lead, survivor = quinns["lead"], quinns["same_account"]
    client.force_login(sdr)

    response = client.post(
        reject_url(lead),
        reject_data(reason_code="duplicate", note="Same team", duplicate_of=str(survivor.pk)),
        headers=HTMX,
    )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.stage, lead.duplicate_of) == (Stage.DISQUALIFIED, survivor)


def test_a_duplicate_of_an_unrelated_lead_is_refused_beside_the_picker_keeping_the_input(
    client, sdr, quinns
):
    lead, george = quinns["lead"], quinns["unrelated"]
    client.force_login(sdr)

    response = client.post(
        reject_url(lead),
        reject_data(reason_code="duplicate", note="Same surname", duplicate_of=str(george.pk)),
        headers=HTMX,
    )

    assert response.status_code == 422
    row = row_html(response.text, lead)
    error = re.search(
        rf'<small class="field-error" id="reject-{lead.pk}-duplicate-error">(.*?)<', row
    )
    assert error and error.group(1) == (
        "The surviving lead must be the same person or at the same account: "
        "George Quinn at Granitepeak Capital is neither"
    )
    assert f'aria-describedby="reject-{lead.pk}-duplicate-error"' in row
    assert ">Same surname</textarea>" in row
    assert '<option value="duplicate" data-needs="linked" selected>' in row
    assert '<details class="act act-reject" open>' in row
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_without_javascript_a_refused_duplicate_comes_back_on_the_queue_page(client, sdr, quinns):
    lead, george = quinns["lead"], quinns["unrelated"]
    client.force_login(sdr)

    response = client.post(
        reject_url(lead),
        reject_data(reason_code="duplicate", note="Same surname", duplicate_of=str(george.pk)),
    )

    assert response.status_code == 422
    assert "George Quinn at Granitepeak Capital is neither" in row_html(response.text, lead)


def test_an_unknown_surviving_lead_is_reported(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(
        reject_url(lead),
        reject_data(reason_code="duplicate", note="Same", duplicate_of="999999"),
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "There is no lead #999999" in response.text


def test_the_reject_form_offers_only_rejection_codes(client, sdr):
    ReasonCode.objects.create(code="lost_to_price", label="Lost to price", for_rejection=False)
    lead = mql()
    client.force_login(sdr)

    html = client.get(reject_url(lead), headers=HTMX).text
    response = client.post(reject_url(lead), reject_data(reason_code="lost_to_price"), headers=HTMX)

    assert 'value="bad_fit"' in html and 'value="timing"' in html
    assert "Lost to price" not in html
    assert response.status_code == 422
    assert "That reason code does not apply to a rejection" in response.text


# Claim next ----------------------------------------------------------------------------------


def test_claim_next_hands_the_most_urgent_unowned_mql_to_the_sdr(client, sdr, other_sdr):
    now = timezone.now()
    mql(owner=other_sdr, sla_due_at=now - dt.timedelta(hours=5))  # someone else's
    mql(segment=SegmentFactory(slug="ent", name="Ent"), sla_due_at=now - dt.timedelta(hours=4))
    urgent = mql(sla_due_at=now - dt.timedelta(hours=1))
    mql(sla_due_at=now + dt.timedelta(hours=1))
    client.force_login(sdr)

    response = client.post(CLAIM, {"next": f"{QUEUE}?source=form"})

    urgent.refresh_from_db()
    assert urgent.owner == sdr
    assert response.status_code == 302
    assert response.url == f"{QUEUE}?source=form&focus={urgent.pk}#lead-{urgent.pk}"
    page = client.get(response.url)
    assert page.context["focus_lead"] == urgent
    assert f"Claimed: {urgent.contact}" in page.text


def test_claim_next_gives_back_my_own_more_urgent_mql_first(client, sdr):
    now = timezone.now()
    mine = mql(owner=sdr, sla_due_at=now - dt.timedelta(hours=2))
    mql(sla_due_at=now - dt.timedelta(hours=1))
    scope = QueueScope.for_user(sdr, queue_segments(sdr))

    lead, claimed = claim_next_lead(user=sdr, scope=scope)

    assert (lead, claimed) == (mine, False)


def test_claim_next_with_nothing_left_says_so(client, sdr, other_sdr):
    mql(owner=other_sdr)
    client.force_login(sdr)

    response = client.post(CLAIM, follow=True)

    assert "Nothing to claim" in response.text


def test_an_htmx_claim_swaps_in_the_results_with_the_lead_first_and_pushes_the_url(client, sdr):
    lead = mql()
    client.force_login(sdr)

    response = client.post(CLAIM, {"next": QUEUE}, headers=HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="queue-results">')
    assert response["HX-Push-Url"] == f"{QUEUE}?focus={lead.pk}"
    assert "data-autofocus" in row_html(response.text, lead)
    assert '<details class="act act-accept" open>' in row_html(response.text, lead)
    assert 'id="queue-status"' in response.text


def test_an_htmx_claim_with_nothing_left_swaps_only_the_status(client, sdr):
    client.force_login(sdr)

    response = client.post(CLAIM, headers=HTMX)

    assert response["HX-Reswap"] == "none"
    assert "Nothing to claim" in response.text


def test_an_accept_in_place_runs_a_pinned_number_of_queries(client, sdr):
    """What the SDR's click costs, whatever else the queue holds (benchmarks/queue.py times it)."""
    leads = [mql(segment=sdr.segments.first()) for _ in range(3)]
    client.force_login(sdr)
    counts = []
    for lead in leads:
        with CaptureQueriesContext(connection) as context:
            response = client.post(accept_url(lead), accept_data(sdr), headers=HTMX)
        assert response.status_code == 200
        counts.append(len(context.captured_queries))
    assert counts == [counts[0]] * 3
    assert counts[0] == 19, "\n".join(q["sql"][:150] for q in context.captured_queries)
