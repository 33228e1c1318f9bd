"""The SLA clock in business hours: weekdays between a segment's day start and day end."""

import datetime as dt
from zoneinfo import ZoneInfo


def _open_at(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    """The first business instant at or after `moment` (a tz-aware local datetime)."""
    while True:
        if moment.weekday() >= 5 or moment.time() >= end:
            moment = (moment + dt.timedelta(days=1)).replace(
                hour=start.hour, minute=start.minute, second=0, microsecond=0
            )
            continue
        if moment.time() < start:
            return moment.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        return moment


def add_business_hours(
    start_at: dt.datetime, hours: float, *, day_start: dt.time, day_end: dt.time, tz: str
) -> dt.datetime:
    """When `hours` of business time have passed after `start_at`; weekends are skipped."""
    zone = ZoneInfo(tz)
    moment = _open_at(start_at.astimezone(zone), day_start, day_end)
    remaining = dt.timedelta(hours=hours)
    while True:
        closing = dt.datetime.combine(moment.date(), day_end, tzinfo=zone)
        available = closing - moment
        if remaining <= available:
            return moment + remaining
        remaining -= available
        moment = _open_at(closing, day_start, day_end)


def business_hours_between(
    start_at: dt.datetime, end_at: dt.datetime, *, day_start: dt.time, day_end: dt.time, tz: str
) -> float:
    """Business hours from `start_at` to `end_at`; negative when `end_at` is earlier."""
    if end_at < start_at:
        return -business_hours_between(
            end_at, start_at, day_start=day_start, day_end=day_end, tz=tz
        )
    zone = ZoneInfo(tz)
    moment = _open_at(start_at.astimezone(zone), day_start, day_end)
    end_local = end_at.astimezone(zone)
    total = dt.timedelta()
    while moment < end_local:
        closing = dt.datetime.combine(moment.date(), day_end, tzinfo=zone)
        total += min(closing, end_local) - moment
        moment = _open_at(closing, day_start, day_end)
    return total.total_seconds() / 3600


def segment_sla_due(segment, start_at: dt.datetime) -> dt.datetime:
    return add_business_hours(
        start_at,
        segment.sla_first_touch_hours,
        day_start=segment.business_day_start,
        day_end=segment.business_day_end,
        tz=segment.time_zone,
    )
