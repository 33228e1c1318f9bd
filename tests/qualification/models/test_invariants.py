"""The database itself refuses the three lifecycle invariants, whatever path writes the row."""

import pytest
from django.db import IntegrityError, connection, transaction

from qualification.models import Lead, Stage
from tests.factories import LeadFactory, in_days, reason

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the invariants are proven on PostgreSQL, the production database")


def raw_update(lead, **values):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(**values)
    return str(error.value)


def test_a_disqualified_lead_without_a_reason_code_is_rejected_by_the_database():
    lead = LeadFactory(stage=Stage.MQL)
    assert "disqualified_lead_has_reason_code" in raw_update(lead, stage=Stage.DISQUALIFIED)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


@pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.OPPORTUNITY])
def test_a_sales_stage_lead_without_an_owner_is_rejected_by_the_database(stage):
    lead = LeadFactory(stage=Stage.MQL, owner=None)
    assert "sales_stage_lead_has_owner" in raw_update(lead, stage=stage)


def test_a_nurture_lead_without_a_recycle_date_is_rejected_by_the_database():
    lead = LeadFactory(stage=Stage.MQL)
    assert "nurture_lead_has_recycle_date" in raw_update(lead, stage=Stage.NURTURE)


def test_clearing_the_reason_code_of_a_disqualified_lead_is_rejected():
    lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("junk"))
    assert "disqualified_lead_has_reason_code" in raw_update(lead, reason_code=None)


def test_clearing_the_recycle_date_of_a_nurture_lead_is_rejected():
    lead = LeadFactory(stage=Stage.NURTURE, recycle_on=in_days(30))
    assert "nurture_lead_has_recycle_date" in raw_update(lead, recycle_on=None)


def test_the_same_updates_with_their_evidence_are_accepted(sdr):
    lead = LeadFactory(stage=Stage.MQL)
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.SAL, owner=sdr)
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.NURTURE, recycle_on=in_days(5))
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.DISQUALIFIED, reason_code=reason("junk"))
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED
