"""Funnel metrics for a period, segmented by one dimension, every aggregate computed in SQL.

Two statements do the work, whatever the number of leads: the cohort's funnel, and one pass
over the period's transitions for time in stage, reasons and SDR decisions. Definitions:

- **Cohort**: leads that became MQL in the period (their first MQL entry in it). Conversion
  MQL→SAL→SQL→Opportunity follows that cohort to any later stage it reached.
- **SAL acceptance**: SDR accepts over accepts plus rejections made in the period.
- **Time to first touch**: from the cohort's MQL entry to the first person acting on it (the
  lead's `first_touch_at`); median and 90th percentile (PostgreSQL's `percentile_cont`; on the
  SQLite demo the same interpolation in Python over the few rows, `percentile_cont` below).
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
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    Q,
)
from django.utils import timezone

from accounts import roles
from accounts.models import Contact, IcpTier
from accounts.personas import function_label
from qualification.models import (
    REJECTIONS,
    Lead,
    ReasonCode,
    Segment,
    SlaBreachNotice,
    Source,
    Stage,
    StageTransition,
    TransitionName,
)
from review.sampling import came_back

# A dimension: its label, the Lead field path, the SQL column for the raw time-in-stage query,
# and how a heading says it mid-sentence ("Conversion by ICP tier").
DIMENSIONS = {
    "source": ("Source", "source", "l.source", "source"),
    "persona": ("Persona", "contact__persona_function", "c.persona_function", "persona"),
    "tier": ("ICP tier", "fit_tier", "l.fit_tier", "ICP tier"),
    # Grouped by id (no join, integer sorts); funnel_report labels the ids with their names.
    "segment": ("Segment", "segment_id", "l.segment_id", "segment"),
}
DEFAULT_DIMENSION = "segment"
NONE_LABEL = "(none)"
REPORT_WORK_MEM = "64MB"


def percentiles_supported() -> bool:
    """Whether the database computes the medians and percentiles itself (`percentile_cont`)."""
    return connection.vendor == "postgresql"


def percentile_cont(values: Sequence[dt.timedelta], fraction: float) -> dt.timedelta | None:
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY value)` in Python: the
    value at rank `fraction × (n − 1)` of the sorted values, interpolated linearly between the
    two nearest; None for no values (NULLs are left out, as the aggregate leaves them out)."""
    ordered = sorted(value for value in values if value is not None)
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    below = math.floor(rank)
    above = math.ceil(rank)
    if below == above:
        return ordered[below]
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def _instant(value) -> dt.datetime | None:
    """A timestamp column as an aware UTC datetime: PostgreSQL hands back datetimes, SQLite the
    naive UTC text Django stores."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if timezone.is_naive(value):
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _span(end, begin) -> dt.timedelta | None:
    end, begin = _instant(end), _instant(begin)
    return None if end is None or begin is None else end - begin


def group_label(dimension: str, key, names: dict | None = None) -> str:
    if not key:
        return NONE_LABEL
    if names is not None:
        return names.get(key, str(key))
    if dimension == "source":
        return Source(key).label if key in Source.values else key
    if dimension == "tier":
        return IcpTier(key).label if key in IcpTier.values else key
    if dimension == "persona":
        return function_label(key)
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
    percentiles_in_sql: bool  # False: computed in Python (the SQLite demo)
    sdrs: int
    days: int
    notes: list[str] = field(default_factory=list)

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.dimension][0]

    @property
    def dimension_phrase(self) -> str:
        """The dimension mid-sentence: "by segment", "by ICP tier"."""
        return DIMENSIONS[self.dimension][3]

    @property
    def mqls_per_sdr_per_day(self) -> float | None:
        return self.total.mql / (self.sdrs * self.days) if self.sdrs and self.days else None

    @property
    def accepted_per_sdr_per_day(self) -> float | None:
        return self.total.accepted / (self.sdrs * self.days) if self.sdrs and self.days else None


def period_bounds(*, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
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
    return column, joins


def _params(**values) -> dict:
    """Datetimes as the backend stores them (SQLite keeps naive UTC text)."""
    return {
        name: connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.datetime)
        else value
        for name, value in values.items()
    }


def _cohort(
    start: dt.datetime, end: dt.datetime, dimension: str, now: dt.datetime, *, in_sql: bool
) -> list[dict]:
    """The MQL cohort's funnel, first touch and SLA per group, and the whole cohort's row, with
    group None and `total` true. With `in_sql` (PostgreSQL) one query does it all, the total
    through GROUPING SETS; otherwise (the SQLite demo) the same query counts per group and a
    second reads each touched lead's two timestamps for the medians, worked out in Python.

    One pass over the transitions since `start` gives each lead its first MQL entry in the period
    and its latest entry into SAL, SQL and opportunity: a lead reached a stage after its MQL entry
    exactly when its latest entry into it is not earlier."""
    column, joins = _tables(dimension)
    joins = joins.format(lead_id="r.lead_id")
    ftt = "l.first_touch_at - r.mql_at" if in_sql else "NULL"
    extra = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY ftt) FILTER (WHERE touched = 1), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY ftt) FILTER (WHERE touched = 1), "
        "GROUPING(grp)"
        if in_sql
        else "NULL, NULL, 0"
    )
    grouping = "GROUPING SETS ((grp), ())" if in_sql else "grp"
    ctes = f"""
        WITH reached AS (
            SELECT lead_id,
                   MIN(occurred_at) FILTER (
                       WHERE to_stage = 'mql' AND occurred_at < %(end)s) AS mql_at,
                   MAX(occurred_at) FILTER (WHERE to_stage = 'sal') AS sal_at,
                   MAX(occurred_at) FILTER (WHERE to_stage = 'sql') AS sql_at,
                   MAX(occurred_at) FILTER (WHERE to_stage = 'opportunity') AS opp_at
            FROM {StageTransition._meta.db_table}
            WHERE occurred_at >= %(start)s
              AND to_stage IN ('mql', 'sal', 'sql', 'opportunity')
              AND name <> 'undo-merge'
            GROUP BY lead_id
        ), notices AS (
            SELECT lead_id, MAX(sla_due_at) AS last_due
            FROM {SlaBreachNotice._meta.db_table}
            WHERE stage = 'mql' AND sla_due_at >= %(start)s
            GROUP BY lead_id
        ), cohort AS (
            SELECT {column} AS grp,
                   CASE WHEN r.sal_at >= r.mql_at THEN 1 ELSE 0 END AS sal,
                   CASE WHEN r.sql_at >= r.mql_at THEN 1 ELSE 0 END AS sql_,
                   CASE WHEN r.opp_at >= r.mql_at THEN 1 ELSE 0 END AS opp,
                   {ftt} AS ftt, l.first_touch_at AS touched_at, r.mql_at AS mql_at,
                   CASE WHEN l.first_touch_at >= r.mql_at THEN 1 ELSE 0 END AS touched,
                   CASE WHEN l.stage = 'mql' AND l.first_touch_at IS NULL
                         AND l.sla_due_at < %(now)s THEN 1 ELSE 0 END AS overdue,
                   CASE WHEN n.last_due >= r.mql_at THEN 1 ELSE 0 END AS noticed
            FROM reached r {joins}
            LEFT JOIN notices n ON n.lead_id = r.lead_id
            WHERE r.mql_at IS NOT NULL
        )
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    sql = f"""{ctes}
        SELECT grp, COUNT(*), SUM(sal), SUM(sql_), SUM(opp),
               SUM(CASE WHEN touched = 1 OR overdue = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN (touched = 1 AND noticed = 1) OR overdue = 1 THEN 1 ELSE 0 END),
               {extra}
        FROM cohort
        GROUP BY {grouping}
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    names = ("mql", "sal", "sql", "opportunity", "sla_due", "sla_breached", "ftt_median", "ftt_p90")
    params = _params(start=start, end=end, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [
            {"group": grp, "total": bool(total), **dict(zip(names, values, strict=True))}
            for grp, *values, total in cursor.fetchall()
        ]
        if in_sql:
            return rows
        cursor.execute(
            f"{ctes} SELECT grp, touched_at, mql_at FROM cohort WHERE touched = 1", params
        )
        touches: dict = {}
        for grp, touched_at, mql_at in cursor.fetchall():
            touches.setdefault(grp, []).append(_span(touched_at, mql_at))
    everyone = [value for values in touches.values() for value in values]
    for found in rows:
        found["ftt_median"] = percentile_cont(touches.get(found["group"], ()), 0.5)
        found["ftt_p90"] = percentile_cont(touches.get(found["group"], ()), 0.9)
    rows.append(
        {
            "group": None,
            "total": True,
            "ftt_median": percentile_cont(everyone, 0.5),
            "ftt_p90": percentile_cont(everyone, 0.9),
        }
    )
    return rows


def _false_negatives(start: dt.datetime, end: dt.datetime, dim: str):
    return (
        came_back(start=start, end=end)
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


@dataclass
class _Moves:
    """What the period's transitions say, from one pass over them."""

    stays: list[tuple] = field(default_factory=list)  # (group, stage, exits, median, p90)
    reasons: list[tuple] = field(default_factory=list)  # (group, kind, reason, count)
    decisions: list[tuple] = field(default_factory=list)  # (group, accepted, rejected)


def _moves(start: dt.datetime, end: dt.datetime, dimension: str, *, in_sql: bool) -> _Moves:
    """Time in stage, exit reasons and SDR decisions for the transitions in [start, end).

    The transitions are joined to their leads' group once (a materialised CTE) and aggregated
    two ways: stays by stage, and exits and decisions by kind and reason. Each transition
    records when the lead entered the stage it left, so a stay is a column difference. Without
    `in_sql` (the SQLite demo) a second statement reads each stay's two timestamps and the
    medians are worked out in Python."""
    column, joins = _tables(dimension)
    joins = joins.format(lead_id="t.lead_id")
    postgres = connection.vendor == "postgresql"
    stay = "t.occurred_at - t.from_stage_entered_at" if in_sql else "NULL"
    percentiles = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY stay), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY stay)"
        if in_sql
        else "NULL, NULL"
    )
    rejections = ", ".join(f"%(rejection{i})s" for i in range(len(REJECTIONS)))
    sql = f"""
        WITH moves AS {"MATERIALIZED" if postgres else ""} (
            SELECT {column} AS grp, t.from_stage, t.reason_code_id, {stay} AS stay,
                   CASE WHEN t.name = %(accept)s THEN 'accept'
                        WHEN t.name IN ({rejections}) THEN 'SDR rejection'
                        WHEN t.to_stage = 'disqualified' THEN 'Disqualified' END AS kind
            FROM {StageTransition._meta.db_table} t {joins}
            WHERE t.occurred_at >= %(start)s AND t.occurred_at < %(end)s
              AND t.name <> 'undo-merge'
        )
        SELECT 'stay', grp, from_stage, NULL, COUNT(*), {percentiles}
        FROM moves
        GROUP BY grp, from_stage
        UNION ALL
        SELECT 'decision', grp, kind, rc.label, COUNT(*), NULL, NULL
        FROM moves m LEFT JOIN {ReasonCode._meta.db_table} rc ON rc.id = m.reason_code_id
        WHERE kind IS NOT NULL
        GROUP BY grp, kind, rc.label
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    params = {f"rejection{i}": str(name) for i, name in enumerate(REJECTIONS)}
    params["accept"] = str(TransitionName.ACCEPT)
    found = _Moves()
    decisions: dict[str | None, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start=start, end=end, **params))
        for part, grp, key, reason, count, median, p90 in cursor.fetchall():
            if part == "stay":
                found.stays.append((grp, key, count, median, p90))
                continue
            if key in ("accept", "SDR rejection"):
                tally = decisions.setdefault(grp, [0, 0])
                tally[key != "accept"] += count
            if key != "accept":
                found.reasons.append((grp, key, reason, count))
        if not in_sql:
            cursor.execute(
                f"SELECT {column}, t.from_stage, t.occurred_at, t.from_stage_entered_at"
                f" FROM {StageTransition._meta.db_table} t {joins}"
                " WHERE t.occurred_at >= %(start)s AND t.occurred_at < %(end)s"
                " AND t.name <> 'undo-merge'",
                _params(start=start, end=end),
            )
            stays: dict = {}
            for grp, stage, left_at, entered_at in cursor.fetchall():
                stays.setdefault((grp, stage), []).append(_span(left_at, entered_at))
            found.stays = [
                (grp, stage, count, percentile_cont(stays.get((grp, stage), ()), 0.5),
                 percentile_cont(stays.get((grp, stage), ()), 0.9))
                for grp, stage, count, _, _ in found.stays
            ]  # fmt: skip
    found.decisions = [(grp, accepted, rejected) for grp, (accepted, rejected) in decisions.items()]
    return found


def funnel_report(
    *,
    start: dt.date,
    end: dt.date,
    dimension: str = DEFAULT_DIMENSION,
    now=None,
    percentiles_in_sql: bool | None = None,
) -> Report:
    """Every metric for the days [start, end], grouped by `dimension`.

    Medians and percentiles come from PostgreSQL's `percentile_cont`, or from the same
    interpolation in Python where the database has none (SQLite; `percentiles_in_sql=False`
    forces it, so the two can be compared on one database)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if percentiles_in_sql is None:
        percentiles_in_sql = percentiles_supported()
    now = now or timezone.now()
    since, until = period_bounds(start=start, end=end)
    dim = DIMENSIONS[dimension][1]
    names = dict(Segment.objects.values_list("pk", "name")) if dimension == "segment" else None
    rows: dict[str, GroupRow] = {}

    def label(key) -> str:
        return group_label(dimension, key, names)

    def row(key) -> GroupRow:
        key = key or ""
        if key not in rows:
            rows[key] = GroupRow(key=str(key), label=label(key))
        return rows[key]

    total = GroupRow(key="", label="All")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The percentiles' sorts and the materialised moves stay in memory, and the scans
            # and joins over every lead take parallel workers (the planner's default costs
            # rarely grant them to a query this size, which runs faster with them).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true),"
                    " set_config('parallel_setup_cost', '100', true),"
                    " set_config('parallel_tuple_cost', '0.01', true)",
                    [REPORT_WORK_MEM],
                )
        cohort = _cohort(since, until, dimension, now, in_sql=percentiles_in_sql)
        moves = _moves(since, until, dimension, in_sql=percentiles_in_sql)
    for found in cohort:
        is_total = found.pop("total")
        target = total if is_total else row(found.pop("group"))
        found.pop("group", None)
        for name, value in found.items():
            if value is None:  # a group with no touched lead; a zero median stays zero
                value = None if name.startswith("ftt") else 0
            setattr(target, name, value)
    for grp, accepted, rejected in moves.decisions:
        target = row(grp)
        target.accepted, target.rejected = accepted, rejected
    for found in _false_negatives(since, until, dim):
        target = row(found.pop("group"))
        for name, value in found.items():
            setattr(target, name, value)
    reasons = [
        ReasonCount(label(grp), kind, reason or "No reason", count)
        for grp, kind, reason, count in moves.reasons
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
        StageTime(label(grp), stage, exits, median, p90)
        for grp, stage, exits, median, p90 in moves.stays
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
        percentiles_in_sql=percentiles_in_sql,
        sdrs=sdrs,
        days=(end - start).days + 1,
    )
