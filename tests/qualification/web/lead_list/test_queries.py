"""The lead list's query count, pinned, for an AE's own book and for a manager's whole pipeline."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qualification.models import Stage
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

LEADS = reverse("qualification:lead-list")


def leads(count: int, owner) -> None:
    for n in range(count):
        LeadFactory(
            stage=(Stage.SAL, Stage.SQL, Stage.MQL)[n % 3],
            owner=owner if n % 3 != 2 else None,
            sla_due_at=timezone.now() + dt.timedelta(hours=1),
            next_action_due=timezone.localdate() + dt.timedelta(days=n % 5),
        )


@pytest.mark.parametrize("count", [5, 30])
def test_an_aes_lead_list_runs_a_fixed_number_of_queries(
    client, ae, count, django_assert_num_queries
):
    leads(count, ae)
    client.force_login(ae)
    with django_assert_num_queries(6):
        response = client.get(LEADS)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 30])
def test_a_managers_lead_list_runs_a_fixed_number_of_queries(
    client, manager, count, django_assert_num_queries
):
    leads(count, UserFactory())
    client.force_login(manager)
    with django_assert_num_queries(6):
        response = client.get(LEADS, {"stage": Stage.SAL})
    assert response.status_code == 200
