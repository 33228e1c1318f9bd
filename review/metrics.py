"""Funnel metrics for a period, segmented by one dimension, every aggregate computed in SQL.

Each figure is one grouped query, so the page runs the same handful of queries however many
leads there are. Definitions:

- **Cohort**: leads that became MQL in the period (their first MQL entry in it). Conversion
  MQL→SAL→SQL→Opportunity follows that cohort to any later stage it reached.
- **SAL acceptance**: SDR accepts over accepts plus rejections made in the period.
- **Time to first touch**: from the cohort's MQL entry to the first person acting on it (the
  lead's `first_touch_at`); median and 90th percentile (PostgreSQL's `percentile_cont`).
- **SLA compliance**: of the cohort whose first-touch SLA has come due (touched, or still an MQL
  past its due time), the share with no SLA breach recorded by the sweep and not overdue now.
- **Time in stage**: for every stage a lead left in the period, how long it had been there.
- **Reject and disqualify reasons**: exits to disqualified and SDR rejections to nurture in the
  period, by reason code.
- **False negatives**: disqualified leads that came back into play in the period (reopened by
  a manager; "bought" when they since reached SQL or opportunity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    Value,
    When,
)
from django.utils import timezone

from accounts import roles
from accounts.models import Contact, IcpTier
from qualification.models import (
    Lead,
    Segment,
    SlaBreachNotice,
    Source,
    Stage,
    StageTransition,
)

from .sampling import REJECTIONS, came_back

# A dimension: its label, the Lead field path and the SQL column for the raw time-in-stage query.
DIMENSIONS = {
    "source": ("Source", "source", "l.source"),
    "persona": ("Persona", "contact__persona_function", "c.persona_function"),
    "tier": ("ICP tier", "fit_tier", "l.fit_tier"),
    "segment": ("Segment", "segment__name", "s.name"),
}
DEFAULT_DIMENSION = "segment"
NONE_LABEL = "(none)"
REPORT_WORK_MEM = "64MB"


def percentiles_supported() -> bool:
    return connection.vendor == "postgresql"


def group_label(dimension: str, key: str | None) -> str:
    if not key:
        return NONE_LABEL
    if dimension == "source":
        return Source(key).label if key in Source.values else key
    if dimension == "tier":
        return IcpTier(key).label if key in IcpTier.values else key
    if dimension == "persona":
        return key.replace("_", " ").capitalize()
    return key


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class GroupRow:
    key: str
    label: str
    mql: int = 0
    sal: int = 0
    sql: int = 0
    opportunity: int = 0
    accepted: int = 0
    rejected: int = 0
    ftt_median: dt.timedelta | None = None
    ftt_p90: dt.timedelta | None = None
    sla_due: int = 0
    sla_breached: int = 0
    false_negatives: int = 0
    bought: int = 0

    @property
    def mql_to_sal(self) -> float | None:
        return _rate(self.sal, self.mql)

    @property
    def sal_to_sql(self) -> float | None:
        return _rate(self.sql, self.sal)

    @property
    def sql_to_opportunity(self) -> float | None:
        return _rate(self.opportunity, self.sql)

    @property
    def mql_to_opportunity(self) -> float | None:
        return _rate(self.opportunity, self.mql)

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted, self.accepted + self.rejected)

    @property
    def sla_compliance(self) -> float | None:
        return _rate(self.sla_due - self.sla_breached, self.sla_due)


@dataclass
class StageTime:
    group: str
    stage: str
    exits: int
    median: dt.timedelta | None
    p90: dt.timedelta | None


@dataclass
class ReasonCount:
    group: str
    kind: str
    reason: str
    count: int


@dataclass
class Report:
    start: dt.date
    end: dt.date  # inclusive
    dimension: str
    rows: list[GroupRow]
    total: GroupRow
    reasons: list[ReasonCount]
    reason_totals: list[tuple[str, str, int]]
    stage_times: list[StageTime]
    percentiles: bool
    sdrs: int
    days: int
    notes: list[str] = field(default_factory=list)

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.dimension][0]

    @property
    def mqls_per_sdr_per_day(self) -> float | None:
        return self.total.mql / (self.sdrs * self.days) if self.sdrs and self.days else None

    @property
    def accepted_per_sdr_per_day(self) -> float | None:
        return self.total.accepted / (self.sdrs * self.days) if self.sdrs and self.days else None


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] in days as an aware [start, end + 1 day) in the site's time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _tables(dimension: str) -> tuple[str, str]:
    """The dimension's SQL column and the joins it needs (only those: PostgreSQL does not drop
    unused inner joins)."""
    column = DIMENSIONS[dimension][2]
    joins = f"JOIN {Lead._meta.db_table} l ON l.id = {{lead_id}}"
    if column.startswith("c."):
        joins += f" JOIN {Contact._meta.db_table} c ON c.id = l.contact_id"
    if column.startswith("s."):
        joins += f" JOIN {Segment._meta.db_table} s ON s.id = l.segment_id"
    return column, joins


def _params(**values) -> dict:
    """Datetimes as the backend stores them (SQLite keeps naive UTC text)."""
    return {
        name: connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.datetime)
        else value
        for name, value in values.items()
    }


def _cohort(start: dt.datetime, end: dt.datetime, dimension: str, now: dt.datetime) -> list[dict]:
    """The MQL cohort's funnel, first touch and SLA per group, and (on PostgreSQL, through
    GROUPING SETS) the whole cohort's row, with group None and `total` true: one query."""
    column, joins = _tables(dimension)
    joins = joins.format(lead_id="r.lead_id")
    transitions = StageTransition._meta.db_table
    postgres = percentiles_supported()
    ftt = "l.first_touch_at - r.mql_at" if postgres else "NULL"
    extra = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY ftt) FILTER (WHERE touched = 1), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY ftt) FILTER (WHERE touched = 1), "
        "GROUPING(grp)"
        if postgres
        else "NULL, NULL, 0"
    )
    grouping = "GROUPING SETS ((grp), ())" if postgres else "grp"
    sql = f"""
        WITH entered AS (
            SELECT lead_id, MIN(occurred_at) AS mql_at
            FROM {transitions}
            WHERE to_stage = 'mql' AND occurred_at >= %(start)s AND occurred_at < %(end)s
            GROUP BY lead_id
        ), reached AS (
            SELECT e.lead_id, e.mql_at,
                   MAX(CASE WHEN t.to_stage = 'sal' THEN 1 ELSE 0 END) AS sal,
                   MAX(CASE WHEN t.to_stage = 'sql' THEN 1 ELSE 0 END) AS sql_,
                   MAX(CASE WHEN t.to_stage = 'opportunity' THEN 1 ELSE 0 END) AS opp
            FROM entered e
            LEFT JOIN {transitions} t
                 ON t.lead_id = e.lead_id AND t.occurred_at >= e.mql_at
                AND t.to_stage IN ('sal', 'sql', 'opportunity')
            GROUP BY e.lead_id, e.mql_at
        ), notices AS (
            SELECT lead_id, MAX(sla_due_at) AS last_due
            FROM {SlaBreachNotice._meta.db_table}
            WHERE stage = 'mql' AND sla_due_at >= %(start)s
            GROUP BY lead_id
        ), cohort AS (
            SELECT {column} AS grp, r.sal, r.sql_, r.opp, {ftt} AS ftt,
                   CASE WHEN l.first_touch_at >= r.mql_at THEN 1 ELSE 0 END AS touched,
                   CASE WHEN l.stage = 'mql' AND l.first_touch_at IS NULL
                         AND l.sla_due_at < %(now)s THEN 1 ELSE 0 END AS overdue,
                   CASE WHEN n.last_due >= r.mql_at THEN 1 ELSE 0 END AS noticed
            FROM reached r {joins}
            LEFT JOIN notices n ON n.lead_id = r.lead_id
        )
        SELECT grp, COUNT(*), SUM(sal), SUM(sql_), SUM(opp),
               SUM(CASE WHEN touched = 1 OR overdue = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN (touched = 1 AND noticed = 1) OR overdue = 1 THEN 1 ELSE 0 END),
               {extra}
        FROM cohort
        GROUP BY {grouping}
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    names = ("mql", "sal", "sql", "opportunity", "sla_due", "sla_breached", "ftt_median", "ftt_p90")
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start=start, end=end, now=now))
        return [
            {"group": grp, "total": bool(total), **dict(zip(names, values, strict=True))}
            for grp, *values, total in cursor.fetchall()
        ]


def _acceptance(start: dt.datetime, end: dt.datetime, dim: str):
    return (
        StageTransition.objects.filter(
            name__in=("accept", *REJECTIONS), occurred_at__gte=start, occurred_at__lt=end
        )
        .order_by()
        .values(group=F(f"lead__{dim}"))
        .annotate(
            accepted=Count("pk", filter=Q(name="accept")),
            rejected=Count("pk", filter=Q(name__in=REJECTIONS)),
        )
    )


def _false_negatives(start: dt.datetime, end: dt.datetime, dim: str):
    return (
        came_back(start, end)
        .order_by()
        .values(group=F(f"lead__{dim}"))
        .annotate(
            false_negatives=Count("lead", distinct=True),
            bought=Count(
                "lead",
                distinct=True,
                filter=Q(lead__stage__in=(Stage.SQL, Stage.OPPORTUNITY)),
            ),
        )
    )


def _reasons(start: dt.datetime, end: dt.datetime, dim: str):
    return (
        StageTransition.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(Q(to_stage=Stage.DISQUALIFIED) | Q(name="reject-to-nurture"))
        .order_by()
        .values(
            group=F(f"lead__{dim}"),
            reason=F("reason_code__label"),
            kind=Case(
                When(name__in=REJECTIONS, then=Value("SDR rejection")),
                default=Value("Disqualified"),
                output_field=CharField(),
            ),
        )
        .annotate(count=Count("pk"))
    )


def _stage_times(start: dt.datetime, end: dt.datetime, dimension: str) -> list[tuple]:
    """(group, stage, exits, median, p90) for stays that ended in [start, end), in one query.

    A stay began at the lead's previous transition (or its creation) and ended at this one."""
    column, joins = _tables(dimension)
    joins = joins.format(lead_id="st.lead_id")
    transitions = StageTransition._meta.db_table
    percentiles = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY st.left_at - COALESCE(st.entered_at, "
        "l.created_at)), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY st.left_at - COALESCE(st.entered_at, "
        "l.created_at))"
        if percentiles_supported()
        else "NULL, NULL"
    )
    sql = f"""
        WITH moved AS (
            SELECT DISTINCT lead_id FROM {transitions}
            WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
        ), stays AS (
            SELECT t.lead_id, t.from_stage AS stage, t.occurred_at AS left_at,
                   LAG(t.occurred_at) OVER (
                       PARTITION BY t.lead_id ORDER BY t.occurred_at, t.id
                   ) AS entered_at
            FROM {transitions} t
            WHERE t.occurred_at < %(end)s AND t.lead_id IN (SELECT lead_id FROM moved)
        )
        SELECT {column}, st.stage, COUNT(*), {percentiles}
        FROM stays st {joins}
        WHERE st.left_at >= %(start)s
        GROUP BY {column}, st.stage
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start=start, end=end))
        return cursor.fetchall()


def funnel_report(
    *, start: dt.date, end: dt.date, dimension: str = DEFAULT_DIMENSION, now=None
) -> Report:
    """Every metric for the days [start, end], grouped by `dimension`."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    dim = DIMENSIONS[dimension][1]
    rows: dict[str, GroupRow] = {}

    def row(key) -> GroupRow:
        key = key or ""
        if key not in rows:
            rows[key] = GroupRow(key=key, label=group_label(dimension, key))
        return rows[key]

    total = GroupRow(key="", label="All")
    with transaction.atomic():
        if percentiles_supported():
            # Sorts for the percentiles and the window stay in memory instead of spilling.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cohort = _cohort(since, until, dimension, now)
        stays = _stage_times(since, until, dimension)
    for found in cohort:
        is_total = found.pop("total")
        target = total if is_total else row(found.pop("group"))
        found.pop("group", None)
        for name, value in found.items():
            setattr(target, name, value or (None if name.startswith("ftt") else 0))
    for query in (_acceptance(since, until, dim), _false_negatives(since, until, dim)):
        for found in query:
            target = row(found.pop("group"))
            for name, value in found.items():
                setattr(target, name, value)
    reasons = [
        ReasonCount(
            group_label(dimension, found["group"]),
            found["kind"],
            found["reason"] or "No reason",
            found["count"],
        )
        for found in _reasons(since, until, dim)
    ]
    reasons.sort(key=lambda r: (r.group, r.kind, -r.count, r.reason))
    totals: dict[tuple[str, str], int] = {}
    for item in reasons:
        totals[(item.kind, item.reason)] = totals.get((item.kind, item.reason), 0) + item.count
    reason_totals = sorted(
        ((kind, reason, count) for (kind, reason), count in totals.items()),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    stage_times = [
        StageTime(group_label(dimension, grp), stage, exits, median, p90)
        for grp, stage, exits, median, p90 in stays
    ]
    order = list(Stage.values)
    stage_times.sort(key=lambda s: (s.group, order.index(s.stage) if s.stage in order else 99))

    ordered = sorted(rows.values(), key=lambda r: (-r.mql, r.label))
    # Counts add up; the medians of the whole cohort came from its GROUPING SETS row.
    for name in (
        "mql", "sal", "sql", "opportunity", "accepted", "rejected", "sla_due", "sla_breached",
        "false_negatives", "bought",
    ):  # fmt: skip
        setattr(total, name, sum(getattr(r, name) for r in ordered))
    sdrs = (
        get_user_model().objects.filter(groups__name=roles.SDR, is_active=True).distinct().count()
    )
    return Report(
        start=start,
        end=end,
        dimension=dimension,
        rows=ordered,
        total=total,
        reasons=reasons,
        reason_totals=reason_totals,
        stage_times=stage_times,
        percentiles=percentiles_supported(),
        sdrs=sdrs,
        days=(end - start).days + 1,
    )
