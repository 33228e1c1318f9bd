"""Template filters of the SAL queue."""

import datetime as dt

from django import template

from .. import queue
from ..models import Lead

register = template.Library()


@register.filter
def expected_next_step(lead: Lead) -> str:
    return queue.expected_next_step(lead)


@register.filter
def sla_breached(lead: Lead, now: dt.datetime) -> bool:
    return lead.sla_due_at is not None and lead.sla_due_at <= now
