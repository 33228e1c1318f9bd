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
    # session, user, roles; the stage counts (which give the total), the page's rows
    # (6 before the selector: a second COUNT(*) of the same rows)
    with django_assert_num_queries(5):
        response = client.get(LEADS)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 30])
def test_a_managers_lead_list_runs_a_fixed_number_of_queries(
    client, manager, count, django_assert_num_queries
):
    leads(count, UserFactory())
    client.force_login(manager)
    with django_assert_num_queries(5):
        response = client.get(LEADS, {"stage": Stage.SAL})
    assert response.status_code == 200


def test_the_total_is_the_sum_of_the_stage_counts_past_one_page(client, manager):
    leads(55, UserFactory())
    client.force_login(manager)
    response = client.get(LEADS)
    assert response.context["page"].paginator.count == 55
    assert sum(count for _stage, count in response.context["stage_counts"]) == 55
    assert len(response.context["page"].object_list) == 50
    assert "55 leads" in response.content.decode()
