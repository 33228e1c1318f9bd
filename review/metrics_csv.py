"""The funnel report as a CSV file: three tables (the funnel by group, rejection reasons, time
in stage), one blank row between them. Every cell a person typed goes through `safe_cell`."""

from __future__ import annotations

from collections.abc import Iterator

from qualification.intake.csv_cells import safe_cell
from review.metrics import GroupRow, Report

FUNNEL_COLUMNS = (
    "MQLs", "SALs", "SQLs", "Opportunities", "MQL→SAL %", "SAL→SQL %", "SQL→Opp %", "Accepted",
    "Rejected", "Acceptance %", "First touch median h", "First touch p90 h", "SLA due",
    "SLA breached", "SLA compliance %", "False negatives", "False negatives bought",
)  # fmt: skip


def filename(report: Report) -> str:
    return f"funnel-{report.dimension}-{report.start}-{report.end}.csv"


def rows(report: Report) -> Iterator[list]:
    """The file's rows, in order, for `csv.writer.writerows`."""
    yield [report.dimension_label, *FUNNEL_COLUMNS]
    for row in [*report.rows, report.total]:
        yield [safe_cell(row.label), *(safe_cell(value) for value in _funnel_cells(row))]
    yield []
    yield [report.dimension_label, "Kind", "Reason", "Count"]
    for reason in report.reasons:
        yield [safe_cell(reason.group), reason.kind, safe_cell(reason.reason), reason.count]
    yield []
    yield [report.dimension_label, "Stage", "Exits", "Median h", "p90 h"]
    for stay in report.stage_times:
        yield [safe_cell(stay.group), stay.stage, stay.exits, _hours(stay.median), _hours(stay.p90)]


def _funnel_cells(row: GroupRow) -> tuple:
    return (
        row.mql, row.sal, row.sql, row.opportunity, _pct(row.mql_to_sal), _pct(row.sal_to_sql),
        _pct(row.sql_to_opportunity), row.accepted, row.rejected, _pct(row.acceptance_rate),
        _hours(row.ftt_median), _hours(row.ftt_p90), row.sla_due, row.sla_breached,
        _pct(row.sla_compliance), row.false_negatives, row.bought,
    )  # fmt: skip


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _hours(value) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"
