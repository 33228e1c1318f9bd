import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from qualification.lifecycle.business_hours import add_business_hours, business_hours_between

LONDON = ZoneInfo("Europe/London")
HOURS = dict(day_start=dt.time(9), day_end=dt.time(17), tz="Europe/London")


def at(day, hour, minute=0, zone=LONDON):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(23, 10), 4, at(23, 14)),  # Monday morning: same day
        (at(23, 15), 4, at(24, 11)),  # Monday 15:00: two hours today, two tomorrow
        (at(27, 15), 4, at(30, 11)),  # Friday 15:00: carries over the weekend to Monday
        (at(28, 12), 4, at(30, 13)),  # Saturday: the clock starts Monday 09:00
        (at(23, 6), 4, at(23, 13)),  # before opening: starts at 09:00
        (at(23, 20), 4, at(24, 13)),  # after closing: starts next morning
        (at(23, 9), 8, at(23, 17)),  # a full day ends at closing time
        (at(23, 9), 16, at(24, 17)),
    ],
)
def test_due_time_counts_only_business_hours(start, hours, due):
    assert add_business_hours(start, hours, **HOURS) == due


def test_the_clock_runs_in_the_segments_time_zone():
    # 08:00 in New York is 13:00 in London: four hours later is 17:00 London, not 12:00.
    start = dt.datetime(2026, 11, 23, 8, tzinfo=ZoneInfo("America/New_York"))
    assert add_business_hours(start, 4, **HOURS) == at(23, 17)
    ny = dict(HOURS, tz="America/New_York")
    assert add_business_hours(start, 4, **ny) == dt.datetime(
        2026, 11, 23, 13, tzinfo=ZoneInfo("America/New_York")
    )


def test_business_hours_between_skips_nights_and_weekends():
    assert business_hours_between(at(27, 15), at(30, 11), **HOURS) == 4
    assert business_hours_between(at(28, 9), at(29, 17), **HOURS) == 0
    assert business_hours_between(at(30, 11), at(27, 15), **HOURS) == -4
