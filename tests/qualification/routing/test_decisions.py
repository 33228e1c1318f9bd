"""Routing: who gets a new MQL (qualification/routing/decisions.py)."""

import pytest
from django.core import mail

from qualification.models import Lead, Stage
from qualification.routing.decisions import route_lead
from tests.factories import AccountFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestRouting:
    def test_a_contact_at_an_owned_account_goes_to_the_account_owner(self, segment, ae):
        lead = LeadFactory(segment=segment, account=AccountFactory(owner=ae))
        assert route_lead(lead=lead) == ae
        assert lead.history.first().history_change_reason == "Routed to ae (account owner)"

    def test_otherwise_the_least_loaded_sdr_of_the_segment_gets_it(self, segment, sdr):
        busy = sdr
        free = UserFactory(username="free", role="SDR")
        segment.sdrs.add(free)
        LeadFactory(segment=segment, stage=Stage.MQL, owner=busy)

        lead = LeadFactory(segment=segment)
        assert route_lead(lead=lead) == free

    def test_round_robin_alternates_between_equally_loaded_sdrs(self, segment, sdr):
        other = UserFactory(username="other", role="SDR")
        segment.sdrs.add(other)
        owners = []
        for _ in range(4):
            lead = LeadFactory(segment=segment, stage=Stage.MQL)
            owners.append(route_lead(lead=lead))
        assert owners.count(sdr) == 2 and owners.count(other) == 2

    def test_an_uncovered_territory_is_left_unassigned(self, segment):
        segment.territories = ["EMEA"]
        segment.save()
        lead = LeadFactory(segment=segment, account=AccountFactory(territory="APAC"))
        assert route_lead(lead=lead) is None
        assert Lead.objects.get(pk=lead.pk).owner is None

    def test_the_new_owner_is_emailed_the_brief(
        self, segment, sdr, django_capture_on_commit_callbacks
    ):
        lead = LeadFactory(segment=segment, form_answers={"Team size": "40"})
        with django_capture_on_commit_callbacks(execute=True):
            route_lead(lead=lead)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [sdr.email]
        assert "Team size: 40" in mail.outbox[0].body
