"""Enrichment of every account as a run (qualification/jobs/enrich_all.py): its task and
command, running again writing nothing, and a run cut off midway left failed, not running,
then carried on to the same totals."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Account
from qualification.jobs import enrich_all
from qualification.jobs.tasks import enrich_all_accounts
from qualification.models import EnrichmentRun, EnrichmentSettings, FirmographicRecord
from tests.factories import AccountFactory
from tests.qualification.jobs.test_faults import kill_our_connection

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


def accounts_with_firmographics(count: int) -> list[Account]:
    settings = EnrichmentSettings.load()
    settings.providers = ["inc5000"]
    settings.save()
    accounts = []
    for n in range(count):
        accounts.append(AccountFactory(domain=f"firm{n}.io", employee_count=None))
        FirmographicRecord.objects.create(
            source="inc5000",
            key=f"firm{n}.io",
            domain=f"firm{n}.io",
            name=f"Firm {n}",
            name_key=f"firm {n}",
            employee_count=100 + n,
            line=n + 2,
            loaded_at=NOW,
        )
    return accounts


@pytest.mark.django_db
class TestARun:
    def test_the_task_enriches_every_account_then_a_second_run_writes_nothing(self):
        accounts_with_firmographics(5)
        AccountFactory(domain="unknown.io", employee_count=None)

        first = enrich_all_accounts(enrich_all.start_enrichment_run().pk)
        second = enrich_all.run_enrichment(enrich_all.start_enrichment_run().pk)

        assert first == {"status": "done", "changed": 5}
        assert Account.objects.filter(employee_count__gte=100).count() == 5
        assert (second.status, second.accounts_seen, second.accounts_changed) == ("done", 6, 0)

    def test_a_run_already_running_is_left_alone(self):
        run = EnrichmentRun.objects.create(
            status=EnrichmentRun.Status.RUNNING, heartbeat_at=timezone.now()
        )
        accounts_with_firmographics(1)

        run = enrich_all.run_enrichment(run.pk)

        assert run.status == EnrichmentRun.Status.RUNNING
        assert Account.objects.get().employee_count is None

    def test_the_command_prints_what_it_did(self):
        accounts_with_firmographics(2)
        out = StringIO()

        call_command("enrich_accounts", stdout=out)

        assert "Providers, in order: inc5000" in out.getvalue()
        assert "done; 2 accounts seen, 2 changed, 2 fields written" in out.getvalue()

    def test_the_command_refuses_an_unknown_run(self):
        with pytest.raises(CommandError, match="No enrichment run 999"):
            call_command("enrich_accounts", "--resume", "999")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_cut_off_midway_is_failed_and_carries_on_to_the_same_totals(monkeypatch):
    accounts = accounts_with_firmographics(10)
    real = enrich_all.enrich_accounts
    calls = {"n": 0}

    def enrich_then_lose_the_database(**kwargs):
        result = real(**kwargs)  # written, not yet committed with the cursor
        calls["n"] += 1
        if calls["n"] == 2:
            kill_our_connection()
        return result

    monkeypatch.setattr(enrich_all, "enrich_accounts", enrich_then_lose_the_database)
    run = enrich_all.run_enrichment(enrich_all.start_enrichment_run().pk, batch_size=4)

    assert run.status == EnrichmentRun.Status.FAILED  # written on a new connection
    assert run.after_account_id == accounts[3].pk
    assert f"carries on after account {accounts[3].pk}" in run.error
    assert Account.objects.filter(employee_count__isnull=False).count() == 4  # one batch, whole

    monkeypatch.setattr(enrich_all, "enrich_accounts", real)
    call_command("enrich_accounts", "--resume", str(run.pk), stdout=StringIO())

    run.refresh_from_db()
    assert (run.status, run.error) == (EnrichmentRun.Status.DONE, "")
    assert (run.accounts_seen, run.accounts_changed, run.fields_written) == (10, 10, 10)
    assert Account.objects.filter(employee_count__isnull=False).count() == 10
