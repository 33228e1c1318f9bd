"""The lead page's query counts, pinned: the full page as an AE and as an SDR, and the checklist
autosave. A change that adds a query changes a number here, on purpose or not at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import BuyingGroupRole
from qualification.models import ChecklistAnswer, FrameworkItem, Stage
from qualification.web.lead_page.selectors import autosave_fragment, load_lead
from tests.factories import (
    ActivityFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
    confirm_framework,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(lead) -> str:
    return reverse("qualification:lead-detail", args=[lead.pk])


def answer_url(lead, item) -> str:
    return reverse("qualification:save-answer", args=[lead.pk, item.pk])


def need() -> FrameworkItem:
    return FrameworkItem.objects.get(framework__key="bant", key="need")


def discovered_sal(ae, *, size: int):
    """An SAL lead of `ae` with `size` activities, buying-group contacts and notes, and BANT
    confirmed."""
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    confirm_framework(lead)
    for n in range(size):
        ActivityFactory(lead=lead, actor=UserFactory())
        BuyingGroupRoleFactory(
            contact=ContactFactory(account=lead.account), role=BuyingGroupRole.Role.INFLUENCER
        )
        lead.discovery_notes.create(author=ae, body=f"Call {n}")
    return lead


@pytest.mark.parametrize("size", [2, 12])
def test_the_lead_page_as_the_ae_on_an_sal_runs_a_fixed_number_of_queries(
    client, ae, size, django_assert_num_queries
):
    lead = discovered_sal(ae, size=size)
    client.force_login(ae)
    # session, user, roles, lead; activities, frameworks + items, checklists, answers, notes,
    # contacts, buying group; permissions (2), survivors, stage history, checklist history,
    # reason codes, open duplicate pairs, the account match (23 before the selector: the buttons'
    # requirements
    # queried one by one)
    with django_assert_num_queries(20):
        response = client.get(page(lead))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_the_lead_page_as_the_sdr_on_an_mql_runs_a_fixed_number_of_queries(
    client, sdr, size, django_assert_num_queries
):
    lead = LeadFactory(stage=Stage.MQL, owner=sdr)
    for _ in range(size):
        ActivityFactory(lead=lead)
        LeadFactory(contact=lead.contact, stage=Stage.MQL)  # a survivor to choose
    client.force_login(sdr)
    # as the AE's page, and the SDR's queue scope asked once for the five buttons, not per
    # button (23 before)
    with django_assert_num_queries(21):
        response = client.get(page(lead))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_an_autosave_runs_a_fixed_number_of_queries(client, ae, size, django_assert_num_queries):
    lead = discovered_sal(ae, size=size)
    url = answer_url(lead, need())
    client.force_login(ae)
    client.post(url, {"status": "partial", "answer": "first"}, **HTMX)
    # session, user, roles, lead, item; the write (savepoint, answer, update, history row,
    # release); the fragment's own loader, pinned below (27 before: the whole page was rebuilt)
    with django_assert_num_queries(18):
        response = client.post(url, {"status": "partial", "answer": "second"}, **HTMX)
    assert response.status_code == 200
    assert response["X-Autosave"] == "saved"


@pytest.mark.parametrize("size", [2, 12])
def test_typing_in_an_answer_autosaves_in_eight_queries(client, ae, size):
    """The autosave people make most: more words in an answer whose status stays. Nothing the
    flags or the buttons read has moved, so only the item's state and its history line return."""
    lead = discovered_sal(ae, size=size)
    timeline = FrameworkItem.objects.get(framework__key="bant", key="timeline")
    url = answer_url(lead, timeline)
    client.force_login(ae)
    client.post(url, {"status": "partial", "answer": "This quarter"}, **HTMX)
    with CaptureQueriesContext(connection) as context:
        response = client.post(
            url, {"status": "partial", "answer": "This quarter, board sign-off"}, **HTMX
        )
    assert response.status_code == 200
    assert response["X-Autosave"] == "saved"
    statements = [query["sql"] for query in context.captured_queries]
    # session, user, roles, lead, item; the answer locked, updated, its history row. The test's
    # own transaction adds a savepoint and its release around the write.
    real = [sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(real) == 8, "\n".join(real)
    assert len(statements) == 10
    html = response.content.decode()
    assert 'id="red-flags"' not in html and "needs-" not in html
    assert 'hx-swap-oob="afterbegin:#answer-history-rows"' in html
    assert "This quarter, board sign-off" in html and "Timeline: answer edited" in html


@pytest.mark.parametrize("size", [2, 12])
def test_the_autosave_fragment_loads_in_eight_queries(ae, size, django_assert_num_queries):
    lead = load_lead(discovered_sal(ae, size=size).pk)
    item = FrameworkItem.objects.select_related("framework").get(pk=need().pk)
    saved = ChecklistAnswer.objects.get(checklist__lead=lead, item=item)
    # answers, checklists with their SQL items, buying group, permissions (2), activities,
    # whether there are notes, checklist history
    with django_assert_num_queries(8):
        fragment = autosave_fragment(lead=lead, user=ae, item=item, answer=saved)
    assert [move.row.name for move in fragment.live.moves] == ["promote-sql", "park", "disqualify"]


def test_the_autosave_fragment_on_an_mql_asks_the_sdrs_scope_once(sdr, django_assert_num_queries):
    lead = load_lead(LeadFactory(stage=Stage.MQL, owner=sdr).pk)
    item = FrameworkItem.objects.select_related("framework").get(pk=need().pk)
    roles.user_roles(sdr)  # as role_required has, before the view runs
    # as for the AE, and the queue scope once for the five buttons
    with django_assert_num_queries(9):
        fragment = autosave_fragment(lead=lead, user=sdr, item=item, answer=None)
    assert len(fragment.live.moves) == 5


@pytest.mark.parametrize("size", [2, 12])
def test_adding_a_note_runs_a_fixed_number_of_queries(client, ae, size, django_assert_num_queries):
    lead = discovered_sal(ae, size=size)
    url = reverse("qualification:add-note", args=[lead.pk])
    client.force_login(ae)
    # session, user, roles, lead; the insert; the notes, then the flags and the needs as the
    # autosave reads them, and the active frameworks (to know the checklist the page shows); 23
    # before, when the whole page was rebuilt
    with django_assert_num_queries(13):
        response = client.post(url, {"body": "Budget holder joins next call"}, **HTMX)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_changing_a_sentiment_runs_a_fixed_number_of_queries(
    client, ae, size, django_assert_num_queries
):
    lead = discovered_sal(ae, size=size)
    role = BuyingGroupRole.objects.filter(account_id=lead.account_id).first()
    url = reverse("qualification:change-role", args=[lead.pk, role.pk])
    client.force_login(ae)
    # session, user, roles, lead, the role; the update and its history row; the buying group
    # (contacts, roles), then the flags and the needs as for a note (25 before)
    with django_assert_num_queries(16):
        response = client.post(url, {"sentiment": "negative"}, **HTMX)
    assert response.status_code == 200
