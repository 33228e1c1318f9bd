"""Enrichment over every account, as a run that can stop and carry on.

Accounts go in batches by id; each batch commits with the run's cursor and counters, so a run
cut off midway resumes after the last batch it finished, and running it again over accounts
already enriched writes nothing (enrichment is idempotent). Whatever stops a run, it is left
failed with the reason, not running; a killed process leaves it running with a stale
heartbeat, which `EnrichmentRun.objects.runnable` also takes up again.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Account
from qualification.enrichment.enrich import EnrichmentResult, enrich_accounts
from qualification.models import EnrichmentRun, EnrichmentSettings

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


def start_enrichment_run(*, started_by=None) -> EnrichmentRun:
    return EnrichmentRun.objects.create(started_by=started_by)


def run_enrichment(run_id: int, *, batch_size: int = BATCH_SIZE) -> EnrichmentRun:
    """Run (or carry on) the run; a run already running, or done, is left alone."""
    now = timezone.now()
    claimed = (
        EnrichmentRun.objects.runnable(now=now)
        .filter(pk=run_id)
        .update(status=EnrichmentRun.Status.RUNNING, heartbeat_at=now, error="", finished_at=None)
    )
    EnrichmentRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=now)
    run = EnrichmentRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        settings = EnrichmentSettings.load()
        while True:
            ids = list(
                Account.objects.filter(pk__gt=run.after_account_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            with transaction.atomic():
                result = enrich_accounts(account_ids=ids, now=timezone.now(), settings=settings)
                _advance(run, last=ids[-1], result=result)
            run.after_account_id = ids[-1]
    except Exception as error:
        logger.exception("Enrichment run %s stopped on an error", run_id)
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        _finish(run_id, EnrichmentRun.Status.FAILED, error=_stopped(run_id, error))
    else:
        _finish(run_id, EnrichmentRun.Status.DONE)
    run.refresh_from_db()
    return run


def _advance(run: EnrichmentRun, *, last: int, result: EnrichmentResult) -> None:
    EnrichmentRun.objects.filter(pk=run.pk).update(
        after_account_id=last,
        accounts_seen=F("accounts_seen") + result.accounts_seen,
        accounts_changed=F("accounts_changed") + result.accounts_changed,
        fields_written=F("fields_written") + result.fields_written,
        accounts_retiered=F("accounts_retiered") + result.accounts_retiered,
        heartbeat_at=timezone.now(),
    )


def _finish(run_id: int, status: str, *, error: str = "") -> None:
    EnrichmentRun.objects.filter(pk=run_id, status=EnrichmentRun.Status.RUNNING).update(
        status=status, error=error, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )


def _stopped(run_id: int, error: Exception) -> str:
    run = EnrichmentRun.objects.get(pk=run_id)
    return (
        f"stopped on an error ({type(error).__name__}; the server log has the details) after "
        f"{run.accounts_seen:,} accounts; running it again carries on after account "
        f"{run.after_account_id}."
    )
