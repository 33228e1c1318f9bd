"""What the queue page reads: one page of the SDR's MQLs, the lead shown first, the counters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Count

from qualification.duplicates.candidates import open_candidates_of
from qualification.lifecycle.scope import QueueScope
from qualification.models import OPEN_STAGES, Lead
from qualification.web.queue.filters import QueueFilter
from qualification.web.queue.services import Counters, queue_counters, queue_leads

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueuePage:
    counters: Counters
    page: Page
    match_count: int  # the rows the filters match, the lead shown first included
    focus_lead: Lead | None  # shown first, out of the list: claimed, or its form open

    def as_context(self) -> dict:
        return {
            "counters": self.counters,
            "page": self.page,
            "match_count": self.match_count,
            "focus_lead": self.focus_lead,
        }


def queue_page(
    *,
    user: AbstractBaseUser,
    scope: QueueScope,
    filters: QueueFilter,
    focus_id: str | None,
    page_number: str | None,
    now: dt.datetime,
) -> QueuePage:
    results = filters.qs
    focus_lead = None
    # ASCII digits only: str.isdigit() also passes "²", which int() refuses.
    if focus_id and focus_id.isascii() and focus_id.isdigit():
        focus_lead = queue_leads(scope).filter(pk=int(focus_id)).first()
        if focus_lead is not None:
            results = results.exclude(pk=focus_lead.pk)
    counters = queue_counters(user=user, scope=scope, now=now)
    paginator = Paginator(results, PAGE_SIZE)
    if not filters.active and focus_lead is None:
        paginator.count = counters.waiting  # the same rows: spare a second COUNT(*)
    page = paginator.get_page(page_number)
    match_count = page.paginator.count
    if focus_lead is not None and filters.qs.filter(pk=focus_lead.pk).exists():
        match_count += 1
    page.object_list = list(page.object_list)
    shown = [*page.object_list, *([focus_lead] if focus_lead else [])]
    _with_possible_duplicates(shown)
    _with_other_open_leads(shown)
    return QueuePage(counters=counters, page=page, match_count=match_count, focus_lead=focus_lead)


def _with_possible_duplicates(leads: list[Lead]) -> None:
    """Each row's open duplicate pairs ("possible duplicate of Sven Hartmann (SAL, Tom)"), in
    one query for the page."""
    if not leads:
        return
    found = open_candidates_of(lead.pk for lead in leads)
    for lead in leads:
        lead.possible_duplicates = found.get(lead.pk, [])


def _with_other_open_leads(leads: list[Lead]) -> None:
    """Each row's count of the other open leads (new to opportunity, not merged away, any
    segment) at its account ("2 other open leads from this account"), in one query for the
    page."""
    accounts = {lead.account_id for lead in leads if lead.account_id}
    counts = (
        dict(
            Lead.objects.filter(
                account_id__in=accounts, stage__in=OPEN_STAGES, duplicate_of__isnull=True
            )
            .order_by()
            .values("account_id")
            .annotate(open=Count("pk"))
            .values_list("account_id", "open")
        )
        if accounts
        else {}
    )
    for lead in leads:
        counted = lead.stage in OPEN_STAGES and lead.duplicate_of_id is None
        lead.other_open_leads = max(0, counts.get(lead.account_id, 0) - counted)
