"""The SLA sweep: breaches noticed once per SLA window (qualification/jobs/sla_sweep.py)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from qualification.jobs.sla_sweep import sweep_sla_breaches
from qualification.models import Lead, SlaBreachNotice, Stage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


class TestSlaSweep:
    def test_the_sla_sweep_given_now_dates_its_notice_then(self, segment):
        then = timezone.now() + dt.timedelta(days=1)
        LeadFactory(segment=segment, stage=Stage.MQL, sla_due_at=timezone.now())

        assert sweep_sla_breaches(now=then) == 1
        assert SlaBreachNotice.objects.get().notified_at == then

    def test_the_sla_sweep_notifies_each_breach_once(
        self, segment, sdr, manager, django_capture_on_commit_callbacks
    ):
        late = LeadFactory(
            segment=segment,
            stage=Stage.MQL,
            owner=sdr,
            sla_due_at=timezone.now() - dt.timedelta(minutes=5),
        )
        LeadFactory(
            segment=segment, stage=Stage.MQL, sla_due_at=timezone.now() + dt.timedelta(hours=1)
        )

        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_sla_breaches() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_sla_breaches() == 0

        assert SlaBreachNotice.objects.get().lead == late
        assert len(mail.outbox) == 1
        assert set(mail.outbox[0].to) == {sdr.email, manager.email}

    def test_a_new_sla_window_gets_its_own_notice(self, segment):
        lead = LeadFactory(
            segment=segment, stage=Stage.MQL, sla_due_at=timezone.now() - dt.timedelta(hours=3)
        )
        sweep_sla_breaches()
        Lead.objects.filter(pk=lead.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
        assert sweep_sla_breaches() == 1
