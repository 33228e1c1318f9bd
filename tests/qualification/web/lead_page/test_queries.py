"""The lead page's query counts, pinned: the full page as an AE and as an SDR, and the checklist
autosave. A change that adds a query changes a number here, on purpose or not at all."""

import pytest
from django.urls import reverse

from accounts.models import BuyingGroupRole
from qualification.models import FrameworkItem, Stage
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
    with django_assert_num_queries(23):
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
    with django_assert_num_queries(23):
        response = client.get(page(lead))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_an_autosave_runs_a_fixed_number_of_queries(client, ae, size, django_assert_num_queries):
    lead = discovered_sal(ae, size=size)
    url = answer_url(lead, need())
    client.force_login(ae)
    client.post(url, {"status": "partial", "answer": "first"}, **HTMX)
    with django_assert_num_queries(27):
        response = client.post(url, {"status": "partial", "answer": "second"}, **HTMX)
    assert response.status_code == 200
    assert response["X-Autosave"] == "saved"
