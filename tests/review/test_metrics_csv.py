"""The funnel CSV's layout (review/metrics_csv.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import roles
from review import metrics_csv
from review.metrics import funnel_report
from tests.factories import SegmentFactory, UserFactory, rejected_mql

pytestmark = pytest.mark.django_db


def test_the_file_has_the_funnel_the_reasons_and_the_stage_times_one_blank_row_apart():
    sdr = UserFactory(username="s", role=roles.SDR)
    segment = SegmentFactory(slug="core", name="Core")
    now = timezone.now()
    rejected_mql(segment=segment, first_name="Ada", code="bad_fit", actor=sdr, at=now)
    today = timezone.localdate()
    report = funnel_report(start=today - dt.timedelta(days=30), end=today, dimension="segment")

    rows = list(metrics_csv.rows(report))

    blanks = [index for index, row in enumerate(rows) if row == []]
    assert len(blanks) == 2
    assert rows[0] == ["Segment", *metrics_csv.FUNNEL_COLUMNS]
    assert [row[0] for row in rows[1 : blanks[0]]] == ["Core", "All"]
    assert rows[blanks[0] + 1] == ["Segment", "Kind", "Reason", "Count"]
    assert rows[blanks[0] + 2][0] == "Core" and rows[blanks[0] + 2][-1] == 1
    assert rows[blanks[1] + 1] == ["Segment", "Stage", "Exits", "Median h", "p90 h"]
    assert metrics_csv.filename(report) == f"funnel-segment-{report.start}-{report.end}.csv"
