import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Automation, Evidence
from qualification.models import Stage, StageTransition
from tests.factories import (
    ActivityFactory,
    LeadFactory,
    StageTransitionFactory,
    UserFactory,
    reason,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("qualification:queue")
LEADS = reverse("qualification:lead-list")
BOARD = reverse("review:borderline-leads")


def detail_url(lead) -> str:
    return reverse("qualification:lead-detail", args=[lead.pk])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def mql(**kwargs):
    kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=2))
    return LeadFactory(stage=Stage.MQL, **kwargs)


def rejected_lead(sdr, *, code: str = "bad_fit", note: str = "Agency, not a buyer"):
    """An MQL marked by the scoring rule, then rejected by `sdr`: two real transitions."""
    lead = LeadFactory(stage=Stage.NEW)
    lead.segment.sdrs.add(sdr)  # the MQL is in their part of the queue
    transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-score"))
    transition_lead(
        lead=lead,
        to=Stage.DISQUALIFIED,
        actor=sdr,
        evidence=Evidence(reason_code=reason(code), note=note),
    )
    return lead


# Login and start pages ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "queue", "lead-list", "lead-detail", "borderline-leads"])
def test_anonymous_users_are_sent_to_log_in_from_every_page(client, name):
    if name == "home":
        url = reverse("home")
    elif name == "lead-detail":
        url = detail_url(LeadFactory())
    elif name == "borderline-leads":
        url = reverse("review:borderline-leads")
    else:
        url = reverse(f"qualification:{name}")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    ("role", "start"),
    [
        (roles.SDR, QUEUE),
        (roles.AE, LEADS),
        (roles.MANAGER, BOARD),
        (roles.MARKETING, LEADS),
    ],
)
def test_each_role_starts_on_its_own_page(client, role, start):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == start


def test_revops_staff_start_in_the_admin(client, revops):
    client.force_login(revops)

    assert client.get(reverse("home")).url == reverse("admin:index")


def test_revops_without_admin_access_start_on_the_lead_list(client):
    client.force_login(UserFactory(role=roles.REVOPS, is_staff=False))

    assert client.get(reverse("home")).url == LEADS


def test_a_user_without_a_role_is_told_to_ask_revops(client):
    client.force_login(UserFactory())

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Ask RevOps to give you a role" in response.text


# Who may open what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "role"),
    [
        (QUEUE, roles.AE),
        (QUEUE, roles.MARKETING),
        (BOARD, roles.SDR),
        (BOARD, roles.AE),
        (LEADS, None),
        (QUEUE, None),
    ],
)
def test_roles_not_allowed_on_a_page_are_refused_with_403(client, url, role):
    client.force_login(UserFactory(role=role))

    response = client.get(url)

    assert response.status_code == 403
    assert "You can’t open this page" in response.text


@pytest.mark.parametrize(
    ("url", "role"),
    [
        (QUEUE, roles.SDR),
        (QUEUE, roles.MANAGER),
        (QUEUE, roles.REVOPS),
        (LEADS, roles.AE),
        (LEADS, roles.SDR),
        (LEADS, roles.MANAGER),
        (LEADS, roles.REVOPS),
        (LEADS, roles.MARKETING),
        (BOARD, roles.MANAGER),
        (BOARD, roles.REVOPS),
        (BOARD, roles.MARKETING),
    ],
)
def test_allowed_roles_open_their_pages(client, url, role):
    client.force_login(UserFactory(role=role))

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_may_read_a_lead(client, role):
    client.force_login(UserFactory(role=role))

    assert client.get(detail_url(LeadFactory())).status_code == 200


def test_the_navigation_shows_only_the_pages_the_role_may_open(client, ae):
    client.force_login(ae)

    response = client.get(LEADS)

    assert f'href="{LEADS}"' in response.text
    assert f'href="{QUEUE}"' not in response.text
    assert f'href="{BOARD}"' not in response.text
    assert f'href="{reverse("admin:index")}"' not in response.text


def test_pages_carry_no_inline_script_and_a_csp(client, sdr):
    mql()
    client.force_login(sdr)

    response = client.get(QUEUE)

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert "hx-on" not in response.text
    assert '"x-csrftoken": "' in response.text


# The lead list ------------------------------------------------------------------------------


def test_an_ae_sees_their_own_leads_by_default(client, ae):
    mine = LeadFactory(stage=Stage.SAL, owner=ae)
    LeadFactory(stage=Stage.SAL, owner=UserFactory(role=roles.AE))
    client.force_login(ae)

    response = client.get(LEADS)

    assert list(response.context["page"].object_list) == [mine]


def test_an_ae_can_switch_to_everyones_leads(client, ae):
    LeadFactory(stage=Stage.SAL, owner=ae)
    LeadFactory(stage=Stage.SAL, owner=UserFactory(role=roles.AE))
    client.force_login(ae)

    response = client.get(LEADS, {"owner": "all"})

    assert response.context["page"].paginator.count == 2


@pytest.mark.parametrize("role", [roles.MANAGER, roles.REVOPS, roles.MARKETING])
def test_managers_revops_and_marketing_see_everyones_leads(client, role):
    LeadFactory(stage=Stage.SAL, owner=UserFactory(role=roles.AE))
    LeadFactory(stage=Stage.MQL)
    client.force_login(UserFactory(role=role))

    response = client.get(LEADS)

    assert response.context["page"].paginator.count == 2


def test_the_lead_list_shows_open_leads_unless_a_stage_is_chosen(client, manager):
    open_lead = LeadFactory(stage=Stage.MQL)
    rejected = rejected_lead(UserFactory(role=roles.SDR))
    client.force_login(manager)

    default = client.get(LEADS)
    closed = client.get(LEADS, {"stage": Stage.DISQUALIFIED})

    assert list(default.context["page"].object_list) == [open_lead]
    assert list(closed.context["page"].object_list) == [rejected]


def test_the_stage_filter_is_kept_in_the_page_links(client, manager):
    for _ in range(51):
        LeadFactory(stage=Stage.MQL)
    client.force_login(manager)

    html = client.get(LEADS, {"stage": Stage.MQL}).text

    assert "stage=mql&amp;page=2" in html or "page=2&amp;stage=mql" in html


def test_an_htmx_filter_request_gets_only_the_results(client, manager):
    LeadFactory(stage=Stage.MQL)
    client.force_login(manager)

    response = client.get(LEADS, {"stage": Stage.MQL}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<div id="lead-results">')
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, manager):
    client.force_login(manager)

    response = client.get(
        LEADS, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.text


# The lead page ------------------------------------------------------------------------------


def test_the_lead_page_shows_the_brief(client, ae):
    lead = LeadFactory(
        stage=Stage.SAL,
        owner=ae,
        next_action="Book discovery call",
        score_explanation=["Tier A ICP", "pricing page ×2", "demo request"],
        form_answers={"team_size": "40", "use_case": "Routing inbound leads"},
    )
    client.force_login(ae)

    html = client.get(detail_url(lead)).text

    for text in (
        "Tier A ICP",
        "pricing page ×2",
        "Team size",
        "Routing inbound leads",
        "Book discovery call",
        lead.account.name,
        lead.contact.email,
    ):
        assert text in html


def test_the_lead_page_shows_stage_history(client, manager):
    sdr = UserFactory(role=roles.SDR, first_name="Sam", last_name="Reyes")
    lead = rejected_lead(sdr, note="Agency, not a buyer")
    client.force_login(manager)

    response = client.get(detail_url(lead))

    history = list(response.context["transitions"])
    assert [(step.from_stage, step.to_stage) for step in history] == [
        (Stage.NEW, Stage.MQL),
        (Stage.MQL, Stage.DISQUALIFIED),
    ]
    assert "rule: intent-score" in response.text
    assert "Sam Reyes" in response.text
    assert "Bad fit" in response.text
    assert "Agency, not a buyer" in response.text


def test_the_lead_page_shows_the_activity_timeline(client, ae):
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    ActivityFactory(lead=lead, detail="/pricing")
    ActivityFactory(lead=None, contact=lead.contact, kind="webinar", detail="Spring launch")
    client.force_login(ae)

    html = client.get(detail_url(lead)).text

    assert "Pricing page" in html and "/pricing" in html
    assert "Spring launch" in html


def test_a_missing_lead_is_a_404_page(client, ae):
    client.force_login(ae)

    response = client.get(reverse("qualification:lead-detail", args=[999999]))

    assert response.status_code == 404
    assert "Page not found" in response.text


# The review board ---------------------------------------------------------------------------


def test_the_board_lists_manual_review_leads_and_recent_rejections(client, manager):
    borderline = LeadFactory(stage=Stage.NEW, manual_review=True, intent_score=55)
    LeadFactory(stage=Stage.NEW, manual_review=False)
    rejected = rejected_lead(UserFactory(role=roles.SDR))
    client.force_login(manager)

    response = client.get(BOARD)

    assert list(response.context["review_leads"]) == [borderline]
    assert [step.lead for step in response.context["rejections"]] == [rejected]


def test_the_board_leaves_out_old_rejections(client, manager):
    lead = rejected_lead(UserFactory(role=roles.SDR))
    StageTransition.objects.filter(lead=lead).update(
        occurred_at=timezone.now() - dt.timedelta(days=45)
    )
    client.force_login(manager)

    response = client.get(BOARD)

    assert list(response.context["rejections"]) == []


# Query counts -------------------------------------------------------------------------------


def _many_leads(count: int, **kwargs) -> list:
    return [LeadFactory(owner=UserFactory(role=roles.AE), **kwargs) for _ in range(count)]


@pytest.mark.parametrize(
    ("url", "stage", "extra"),
    [
        (QUEUE, Stage.MQL, {}),
        (LEADS, Stage.SAL, {}),
        (BOARD, Stage.NEW, {"manual_review": True}),
    ],
)
def test_list_pages_run_as_many_queries_for_thirty_leads_as_for_five(
    client, manager, url, stage, extra
):
    client.force_login(manager)
    due = {"sla_due_at": timezone.now() + dt.timedelta(hours=1)}
    _many_leads(5, stage=stage, **due, **extra)
    few = queries_for(client, url)

    _many_leads(25, stage=stage, **due, **extra)
    many = queries_for(client, url)

    assert many == few


def test_the_board_runs_as_many_queries_for_thirty_rejections_as_for_five(client, manager):
    client.force_login(manager)
    for _ in range(5):
        rejected_lead(UserFactory(role=roles.SDR))
    few = queries_for(client, BOARD)

    for _ in range(25):
        rejected_lead(UserFactory(role=roles.SDR))
    many = queries_for(client, BOARD)

    assert many == few


def test_the_lead_page_runs_as_many_queries_for_thirty_events_as_for_five(client, manager):
    lead = LeadFactory(stage=Stage.MQL)
    client.force_login(manager)

    def add_history(count: int) -> None:
        for _ in range(count):
            ActivityFactory(lead=lead, actor=UserFactory())
            StageTransitionFactory(
                lead=lead,
                from_stage=Stage.NEW,
                to_stage=Stage.MQL,
                name="mark-mql",
                actor=UserFactory(),
                occurred_at=timezone.now(),
                reason_code=reason("timing"),
            )

    add_history(5)
    few = queries_for(client, detail_url(lead))
    add_history(25)
    many = queries_for(client, detail_url(lead))

    assert many == few
