"""The one writer of a lead's owner: routing, claiming and the engine all leave a history row
that says why and who, and change nothing but the owner."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence
from qualification.lifecycle.ownership import assign_owner
from qualification.models import Lead, Stage
from qualification.routing.decisions import route_lead
from qualification.web.queue.services import QueueScope, claim_next_lead, queue_segments
from tests.factories import LeadFactory, tomorrow

pytestmark = pytest.mark.django_db


def everything_but_the_owner(lead: Lead) -> dict:
    fresh = Lead.objects.get(pk=lead.pk)
    values = model_to_dict(fresh)
    del values["owner"]
    return {**values, "transitions": fresh.transitions.count()}


def latest_history(lead: Lead):
    return Lead.history.filter(id=lead.pk).order_by("-history_id").first()


class TestAssignOwner:
    def test_it_writes_a_history_row_with_the_reason_and_the_actor(self, sdr, manager):
        lead = LeadFactory(stage=Stage.MQL)

        assign_owner(lead=lead, owner=sdr, reason="Handed over at stand-up", actor=manager)

        row = latest_history(lead)
        assert row.owner_id == sdr.pk
        assert row.history_change_reason == "Handed over at stand-up"
        assert row.history_user == manager
        assert Lead.objects.get(pk=lead.pk).owner == sdr

    def test_an_automated_assignment_has_no_history_user(self, sdr):
        lead = LeadFactory(stage=Stage.MQL)

        assign_owner(lead=lead, owner=sdr, reason="Routed by a rule")

        assert latest_history(lead).history_user is None

    def test_it_dates_the_history_row_now_when_given(self, sdr):
        lead = LeadFactory(stage=Stage.MQL)
        then = timezone.now() - dt.timedelta(days=3)

        assign_owner(lead=lead, owner=sdr, reason="Routed by a rule", now=then)

        assert latest_history(lead).history_date == then

    def test_it_changes_nothing_but_the_owner(self, sdr):
        lead = LeadFactory(stage=Stage.MQL, next_action="Call back", sla_due_at=timezone.now())
        lead.next_action = "Changed in memory, not to be saved"
        before = everything_but_the_owner(Lead.objects.get(pk=lead.pk))

        assign_owner(lead=lead, owner=sdr, reason="Routed by a rule")

        assert everything_but_the_owner(lead) == before
        assert Lead.history.filter(id=lead.pk).count() == 2  # created, then the owner


class TestTheWritersUseIt:
    def test_routing_records_why_and_no_user(self, sdr):
        lead = LeadFactory(stage=Stage.MQL)

        route_lead(lead=lead)

        row = latest_history(lead)
        assert (row.owner_id, row.history_user) == (sdr.pk, None)
        assert row.history_change_reason == "Routed to sdr (least open load in Core)"
        assert lead.owner == sdr

    def test_routing_dates_the_history_row_now_when_given(self, sdr):
        lead = LeadFactory(stage=Stage.MQL)
        then = timezone.now() - dt.timedelta(days=3)

        route_lead(lead=lead, now=then)

        assert latest_history(lead).history_date == then

    def test_claiming_records_the_sdr_who_claimed(self, sdr):
        lead = LeadFactory(stage=Stage.MQL)

        claimed, _ = claim_next_lead(user=sdr, scope=QueueScope.for_user(sdr, queue_segments(sdr)))

        row = latest_history(lead)
        assert claimed == lead
        assert (row.owner_id, row.history_user) == (sdr.pk, sdr)
        assert row.history_change_reason == "Claimed from the SAL queue"

    def test_an_accept_hands_over_the_owner_in_the_transitions_history_row(self, sdr, ae):
        lead = LeadFactory(stage=Stage.MQL, owner=sdr)
        evidence = Evidence(
            owner=ae, icp_confirmed=True, next_action="Discovery call", next_action_due=tomorrow()
        )

        transition_lead(lead=lead, to=Stage.SAL, actor=sdr, evidence=evidence)

        row = latest_history(lead)
        assert (row.owner_id, row.stage, row.history_user) == (ae.pk, Stage.SAL, sdr)
        assert row.history_change_reason.startswith("Accept")
