"""The nightly duplicate detection over every live lead, in id order, resumable.

Each chunk of leads is detected and committed with the run's place, so a run that fails or is
killed is carried on by the next one from that place; a failure leaves the run "failed" with
the error, never "running"."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone

from qualification.duplicates.detection import LIVE_STAGES, detect_duplicates
from qualification.models import DetectionRun, Lead

logger = logging.getLogger(__name__)

CHUNK = 5000
# A run whose heartbeat is older than this stopped without saying so (its process was killed).
STALLED_AFTER = dt.timedelta(minutes=15)


def run_nightly_detection(*, chunk: int = CHUNK, now: dt.datetime | None = None) -> DetectionRun:
    """Detect over every live lead; returns the run. A run still alive elsewhere is left
    alone (and returned); a stopped one is carried on from where it was."""
    now = now or timezone.now()
    with transaction.atomic():
        alive = (
            DetectionRun.objects.select_for_update()
            .filter(status=DetectionRun.Status.RUNNING)
            .order_by("pk")
        )
        for run in alive:
            if run.heartbeat_at >= now - STALLED_AFTER:
                return run
            run.status, run.finished_at = DetectionRun.Status.FAILED, now
            run.error = "stopped without finishing (no sign of life)"
            run.save(update_fields=["status", "finished_at", "error"])
        last = DetectionRun.objects.order_by("-started_at", "-pk").first()
        resumed = last if last and last.status == DetectionRun.Status.FAILED else None
        run = DetectionRun.objects.create(
            started_at=now,
            heartbeat_at=now,
            resumed_from=resumed,
            last_lead_id=resumed.last_lead_id if resumed else 0,
        )
    try:
        _run(run, chunk=chunk)
    except Exception as error:
        logger.exception("Duplicate detection run %s stopped on an error", run.pk)
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        DetectionRun.objects.filter(pk=run.pk).update(
            status=DetectionRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"stopped after lead #{run.last_lead_id}: {type(error).__name__}: {error}",
        )
    else:
        DetectionRun.objects.filter(pk=run.pk).update(
            status=DetectionRun.Status.DONE, finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


def _run(run: DetectionRun, *, chunk: int) -> None:
    live = Lead.objects.filter(stage__in=LIVE_STAGES, duplicate_of__isnull=True)
    while True:
        ids = list(
            live.filter(pk__gt=run.last_lead_id).order_by("pk").values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return
        with transaction.atomic():
            found = detect_duplicates(lead_ids=ids, reason="Nightly duplicate detection")
            run.last_lead_id = ids[-1]
            run.leads_checked += len(ids)
            run.pairs_found += len(found.pairs)
            run.candidates_created += found.created
            run.merged += len(found.merges)
            run.heartbeat_at = timezone.now()
            run.save(
                update_fields=[
                    "last_lead_id",
                    "leads_checked",
                    "pairs_found",
                    "candidates_created",
                    "merged",
                    "heartbeat_at",
                ]
            )
