"""Small pieces every lead page shows the same way: badges, the SLA clock, the navigation."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts import access, roles
from accounts.models import IcpTier
from qualification.lifecycle.business_hours import business_hours_between
from qualification.lifecycle.table import transition_label
from qualification.models import IntentBand, Lead, Segment, Stage

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context) -> list[dict]:
    """The pages this user may open, each marked current when it is the one being shown."""
    request, user = context.get("request"), context.get("user")
    if request is None or user is None:
        return []
    match = getattr(request, "resolver_match", None)
    return access.navigation(user, current=match.view_name if match else "")


@register.simple_tag
def role_names(user) -> str:
    return ", ".join(sorted(roles.user_roles(user)))


@register.simple_tag
def tier_badge(tier: str) -> str:
    if not tier:
        return mark_safe('<span class="badge tier-none">No tier</span>')
    return format_html('<span class="badge tier-{}">{}</span>', tier.lower(), IcpTier(tier).label)


@register.simple_tag
def intent_badge(band: str, score: int | None = None) -> str:
    label = f"{IntentBand(band).label} intent" if band else "No intent"
    if score is not None:
        label = f"{label} · {score}"
    return format_html('<span class="badge intent-{}">{}</span>', band or "none", label)


@register.simple_tag
def stage_badge(stage: str) -> str:
    return format_html('<span class="badge stage-{}">{}</span>', stage, Stage(stage).label)


@register.filter
def transition_name(name: str) -> str:
    """An audit row's transition, as the table labels it."""
    return transition_label(name)


@register.simple_tag
def zoned_time(
    value: dt.datetime | None, segment: Segment | None, fmt: str = "D j M, H:i", there: bool = True
) -> str:
    """`value` in the viewer's time zone; where the segment keeps other hours, with the zone
    ("14:00 GMT") and, with `there`, the segment's own clock ("14:00 GMT (09:00 EST)")."""
    if value is None:
        return ""
    here = timezone.localtime(value)
    shown = formats.date_format(here, fmt)
    if segment is None or not segment.time_zone:
        return shown
    away = value.astimezone(ZoneInfo(segment.time_zone))
    if away.utcoffset() == here.utcoffset():
        return shown
    shown = f"{shown} {here.tzname()}"
    if there:
        clock = formats.date_format(away, "H:i" if away.date() == here.date() else "D H:i")
        shown = f"{shown} ({clock} {away.tzname()})"
    return shown


@register.filter
def money(amount: Decimal | None) -> str:
    """An amount with the currency every amount in the app is in (the CURRENCY setting)."""
    if amount is None:
        return ""
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{settings.CURRENCY} {number}"


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.1f}".removesuffix(".0") + " h"


@register.simple_tag
def sla_clock(lead: Lead, now: dt.datetime, business_hours: bool = True) -> str:
    """The SLA due time, with a "Breached" label when past it (never colour alone).

    With `business_hours`, also how much of the segment's business time is left or overdue.
    """
    due = lead.sla_due_at
    if due is None:
        return mark_safe('<span class="muted">No SLA</span>')
    segment = lead.segment
    when = zoned_time(due, segment)
    span = 0.0
    if business_hours:
        start, end = (due, now) if due <= now else (now, due)
        span = business_hours_between(
            start,
            end,
            day_start=segment.business_day_start,
            day_end=segment.business_day_end,
            tz=segment.time_zone,
        )
    # Under a minute of business time (a weekend between, say) is not worth a number.
    business_hours = business_hours and span >= 1 / 60
    if due <= now:
        detail = f"{_duration(span)} over" if business_hours else ""
        return format_html(
            '<span class="sla sla-breached"><span class="badge badge-breached">Breached</span> '
            '<time datetime="{}">{}</time> <span class="sla-detail">{}</span></span>',
            due.isoformat(),
            when,
            detail,
        )
    detail = f"{_duration(span)} left" if business_hours else ""
    return format_html(
        '<span class="sla"><time datetime="{}">{}</time> <span class="sla-detail muted">{}</span>'
        "</span>",
        due.isoformat(),
        when,
        detail,
    )


@register.filter
def explanation_text(reason) -> str:
    """One reason of a score explanation: a sentence, or a {label, points} mapping."""
    if isinstance(reason, dict):
        label = reason.get("label") or reason.get("reason") or reason.get("text") or ""
        points = reason.get("points")
        if points is None:
            return str(label)
        sign = "+" if isinstance(points, int | float) and points > 0 else ""
        return f"{label} ({sign}{points})"
    return str(reason)


@register.filter
def humanize_key(key: str) -> str:
    return str(key).replace("_", " ").capitalize()
