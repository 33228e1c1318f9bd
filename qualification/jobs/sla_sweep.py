"""Find leads past their SLA and tell their owner and the managers, once per SLA window."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from qualification.lifecycle.notifications import send_sla_breach
from qualification.models import Lead, SlaBreachNotice, Stage


def sweep_sla_breaches(*, now: dt.datetime | None = None) -> int:
    """Record and notify every new breach; a breach already noticed is skipped. Returns count."""
    now = now or timezone.now()
    breached = (
        Lead.objects.filter(stage__in=(Stage.MQL, Stage.SQL), sla_due_at__lt=now)
        .exclude(
            Exists(
                SlaBreachNotice.objects.filter(
                    lead=OuterRef("pk"), stage=OuterRef("stage"), sla_due_at=OuterRef("sla_due_at")
                )
            )
        )
        .values_list("pk", "stage", "sla_due_at")
    )
    noticed = 0
    for lead_id, stage, due in breached.iterator(chunk_size=1000):
        try:
            with transaction.atomic():
                SlaBreachNotice.objects.create(
                    lead_id=lead_id, stage=stage, sla_due_at=due, notified_at=now
                )
                transaction.on_commit(lambda lead_id=lead_id: send_sla_breach(lead_id))
        except IntegrityError:  # another sweep got there first
            continue
        noticed += 1
    return noticed
