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
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts import roles
from accounts.models import Contact, IcpTier
from qualification.models import Lead, SlaBreachNotice, Source, Stage, StageTransition

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


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


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


def _cohort(start: dt.datetime, end: dt.datetime, dim: str, now: dt.datetime):
    entered = StageTransition.objects.filter(
        to_stage=Stage.MQL, occurred_at__gte=start, occurred_at__lt=end
    )
    mql_at = Subquery(
        entered.filter(lead=OuterRef("pk")).order_by("occurred_at").values("occurred_at")[:1]
    )

    def reached(stage: str) -> Exists:
        return Exists(
            StageTransition.objects.filter(
                lead=OuterRef("pk"), to_stage=stage, occurred_at__gte=OuterRef("mql_at")
            )
        )

    touched = Q(first_touch_at__gte=F("mql_at"))
    overdue = Q(stage=Stage.MQL, first_touch_at__isnull=True, sla_due_at__lt=now)
    leads = (
        Lead.objects.filter(pk__in=entered.values("lead_id"))
        .annotate(
            mql_at=mql_at,
            reached_sal=reached(Stage.SAL),
            reached_sql=reached(Stage.SQL),
            reached_opportunity=reached(Stage.OPPORTUNITY),
            breach_noticed=Exists(
                SlaBreachNotice.objects.filter(
                    lead=OuterRef("pk"), stage=Stage.MQL, sla_due_at__gte=OuterRef("mql_at")
                )
            ),
            first_touch=ExpressionWrapper(
                F("first_touch_at") - F("mql_at"), output_field=DurationField()
            ),
        )
        .order_by()
    )
    aggregates = {
        "mql": Count("pk"),
        "sal": Count("pk", filter=Q(reached_sal=True)),
        "sql": Count("pk", filter=Q(reached_sql=True)),
        "opportunity": Count("pk", filter=Q(reached_opportunity=True)),
        "sla_due": Count("pk", filter=touched | overdue),
        "sla_breached": Count("pk", filter=(touched & Q(breach_noticed=True)) | overdue),
    }
    if percentiles_supported():
        aggregates["ftt_median"] = PercentileCont("first_touch", 0.5, filter=touched)
        aggregates["ftt_p90"] = PercentileCont("first_touch", 0.9, filter=touched)
    return leads, aggregates


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
    column = DIMENSIONS[dimension][2]
    transitions = StageTransition._meta.db_table
    percentiles = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY spent), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY spent)"
        if percentiles_supported()
        else "NULL, NULL"
    )
    sql = f"""
        WITH stays AS (
            SELECT {column} AS grp, t.from_stage AS stage, t.occurred_at AS left_at,
                   t.occurred_at - COALESCE(
                       LAG(t.occurred_at) OVER (
                           PARTITION BY t.lead_id ORDER BY t.occurred_at, t.id
                       ),
                       l.created_at
                   ) AS spent
            FROM {transitions} t
            JOIN {Lead._meta.db_table} l ON l.id = t.lead_id
            JOIN {Contact._meta.db_table} c ON c.id = l.contact_id
            JOIN {Lead._meta.get_field("segment").related_model._meta.db_table} s
                 ON s.id = l.segment_id
            WHERE t.occurred_at < %s
              AND t.lead_id IN (
                  SELECT lead_id FROM {transitions} WHERE occurred_at >= %s AND occurred_at < %s
              )
        )
        SELECT grp, stage, COUNT(*), {percentiles}
        FROM stays
        WHERE left_at >= %s
        GROUP BY grp, stage
    """  # noqa: S608 - every interpolated name is ours, the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, start, end, start])
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

    cohort, aggregates = _cohort(since, until, dim, now)
    for found in cohort.values(group=F(dim)).annotate(**aggregates):
        target = row(found.pop("group"))
        for name, value in found.items():
            setattr(target, name, value)
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
        for grp, stage, exits, median, p90 in _stage_times(since, until, dimension)
    ]
    order = list(Stage.values)
    stage_times.sort(key=lambda s: (s.group, order.index(s.stage) if s.stage in order else 99))

    ordered = sorted(rows.values(), key=lambda r: (-r.mql, r.label))
    total = GroupRow(key="", label="All")
    for name in (
        "mql", "sal", "sql", "opportunity", "accepted", "rejected", "sla_due", "sla_breached",
        "false_negatives", "bought",
    ):  # fmt: skip
        setattr(total, name, sum(getattr(r, name) for r in ordered))
    if percentiles_supported() and ordered:
        overall = cohort.aggregate(
            ftt_median=aggregates["ftt_median"], ftt_p90=aggregates["ftt_p90"]
        )
        total.ftt_median, total.ftt_p90 = overall["ftt_median"], overall["ftt_p90"]
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
