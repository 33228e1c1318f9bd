"""Fit tiers from RevOps' ICP rules and intent scores from activity, each with its reasons.

Intent is computed set-based: one SQL statement scores every lead asked for (one lead at intake,
all of them nightly) from its contact's activity, so 1,000,000 activities take seconds, not a
Python loop per row. The statement is written once, with a few dialect fragments, so the SQLite
demo and PostgreSQL run the same rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from qualification.models import ScoringRule

LOOKBACK_DAYS = 180


# Intent -----------------------------------------------------------------------------------

_DIALECTS = {
    "postgresql": {
        "age_days": (
            # EXTRACT gives numeric since PostgreSQL 14: float math is many times faster.
            "CAST(EXTRACT(EPOCH FROM (CAST(%(now)s AS timestamptz) - act.occurred_at)) "
            "AS double precision) / 86400.0"
        ),
        "clamp": "LEAST(100, GREATEST(0, FLOOR(COALESCE(SUM(r.pts), 0) + 0.5)))",
        "explanation": (
            "COALESCE(jsonb_agg(r.text ORDER BY ABS(r.pts) DESC, r.text) "
            "FILTER (WHERE r.text IS NOT NULL), '[]'::jsonb)"
        ),
        "reasons_order": "",
        "lead_filter": "AND l.id = ANY(%(ids)s)",
        "explanation_differs": "IS DISTINCT FROM",
        # The repeat cap sorts every recent activity; let it sort in memory.
        "session": "SET LOCAL work_mem = '128MB'",
    },
    "sqlite": {
        "age_days": "(julianday(%(now)s) - julianday(act.occurred_at))",
        "clamp": "MIN(100, MAX(0, FLOOR(COALESCE(SUM(r.pts), 0) + 0.5)))",
        # SQLite 3.40 has no ORDER BY inside aggregates: the reasons arrive pre-sorted.
        "explanation": "json_group_array(r.text) FILTER (WHERE r.text IS NOT NULL)",
        "reasons_order": "ORDER BY lead_id, ABS(pts) DESC, text",
        "lead_filter": "AND l.id IN (SELECT value FROM json_each(%(ids)s))",
        "explanation_differs": "IS NOT",
        "session": "",
    },
}


_SCORE_SQL = """
WITH lead_scope AS (
    SELECT l.id, l.contact_id, seg.mql_threshold, seg.nurture_floor,
           CASE WHEN l.account_id IS NULL THEN l.fit_tier ELSE COALESCE(a.icp_tier, '') END
               AS fit_tier,
           c.persona_seniority AS seniority, c.email_kind, COALESCE(a.relationship, '')
               AS relationship
    FROM qualification_lead l
    JOIN qualification_segment seg ON seg.id = l.segment_id
    JOIN accounts_contact c ON c.id = l.contact_id
    LEFT JOIN accounts_account a ON a.id = l.account_id
    WHERE l.stage <> 'disqualified' {lead_filter}
),
activity_hits AS (
    SELECT s.id AS lead_id, r.id AS rule_id, r.name, r.max_occurrences,
           r.points * POWER(0.5, ({age_days}) / r.half_life_days) AS pts,
           ROW_NUMBER() OVER (
               PARTITION BY s.id, r.id ORDER BY act.occurred_at DESC, act.id DESC
           ) AS rn
    FROM lead_scope s
    JOIN qualification_activity act ON act.contact_id = s.contact_id
    JOIN qualification_scoringrule r
        ON r.kind = %(kind_activity)s AND r.active AND r.value = act.kind
    WHERE act.occurred_at > %(since)s AND act.occurred_at <= %(now)s
),
frequency_hits AS (
    SELECT s.id AS lead_id, r.id AS rule_id, r.name, r.points, r.window_days, r.min_count
    FROM lead_scope s
    JOIN qualification_scoringrule r ON r.kind = %(kind_frequency)s AND r.active
    JOIN qualification_activity act
        ON act.contact_id = s.contact_id AND (r.value = '' OR act.kind = r.value)
    WHERE act.occurred_at > %(since)s AND act.occurred_at <= %(now)s
      AND ({age_days}) <= r.window_days
),
raw_reasons AS (
    SELECT lead_id, SUM(pts) AS pts,
           CASE WHEN COUNT(*) > 1 THEN MAX(name) || ' ×' || CAST(COUNT(*) AS TEXT)
                ELSE MAX(name) END AS text
    FROM activity_hits WHERE rn <= max_occurrences
    GROUP BY lead_id, rule_id
    UNION ALL
    SELECT lead_id, points, CAST(COUNT(*) AS TEXT) || ' ' || name || ' in '
           || CAST(window_days AS TEXT) || ' days'
    FROM frequency_hits
    GROUP BY lead_id, rule_id, name, points, window_days, min_count
    HAVING COUNT(*) >= min_count
    UNION ALL
    SELECT s.id, r.points, r.name
    FROM lead_scope s
    JOIN qualification_scoringrule r ON r.active AND (
        (r.kind = %(kind_fit_tier)s AND r.value = s.fit_tier)
        OR (r.kind = %(kind_seniority)s AND r.value = s.seniority)
        OR (r.kind = %(kind_email_kind)s AND r.value = s.email_kind)
        OR (r.kind = %(kind_account_relationship)s AND r.value = s.relationship)
    )
),
reasons AS (
    SELECT lead_id, pts,
           CASE WHEN pts <= -0.5
                THEN text || ' (−' || CAST(CAST(FLOOR(-pts + 0.5) AS INTEGER) AS TEXT) || ')'
                ELSE text END AS text
    FROM raw_reasons
    {reasons_order}
),
totals AS (
    SELECT s.id AS lead_id, s.fit_tier, s.mql_threshold, s.nurture_floor,
           CAST({clamp} AS INTEGER) AS score,
           {explanation} AS explanation
    FROM lead_scope s
    LEFT JOIN reasons r ON r.lead_id = s.id
    GROUP BY s.id, s.fit_tier, s.mql_threshold, s.nurture_floor
),
banded AS (
    SELECT lead_id, fit_tier, score, explanation,
           CASE WHEN score >= mql_threshold THEN 'high'
                WHEN score >= nurture_floor THEN 'medium'
                ELSE 'low' END AS band
    FROM totals
)
UPDATE qualification_lead
SET intent_score = banded.score,
    intent_band = banded.band,
    score_explanation = banded.explanation,
    fit_tier = banded.fit_tier,
    scored_at = %(now)s
FROM banded
WHERE qualification_lead.id = banded.lead_id
  AND (qualification_lead.scored_at IS NULL
       OR qualification_lead.intent_score <> banded.score
       OR qualification_lead.intent_band <> banded.band
       OR qualification_lead.fit_tier <> banded.fit_tier
       OR qualification_lead.score_explanation {explanation_differs} banded.explanation)
"""


def score_leads(lead_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Rescore the given leads (all but disqualified ones when None).

    Returns the rows that changed (PostgreSQL; SQLite reports -1 for a WITH … UPDATE).

    Writes intent score, band (by the lead's segment thresholds), explanation and the fit tier
    copied from the account, and `scored_at`: a row is rewritten only when one of them changed
    or it was never scored, so a lead with nothing to count is still marked scored and the
    nightly run does not rewrite every row. Scores are excluded from history: the explanation
    is the record.
    """
    now = now or timezone.now()
    dialect = _DIALECTS[connection.vendor]
    params: dict = {
        "now": connection.ops.adapt_datetimefield_value(now),
        "since": connection.ops.adapt_datetimefield_value(now - dt.timedelta(days=LOOKBACK_DAYS)),
        **{f"kind_{kind.value}": kind.value for kind in ScoringRule.Kind},
    }
    lead_filter = ""
    if lead_ids is not None:
        ids = sorted({int(pk) for pk in lead_ids})
        if not ids:
            return 0
        lead_filter = dialect["lead_filter"]
        params["ids"] = ids if connection.vendor == "postgresql" else str(ids)
    sql = _SCORE_SQL.format(
        explanation_differs=dialect["explanation_differs"],
        lead_filter=lead_filter,
        age_days=dialect["age_days"],
        clamp=dialect["clamp"],
        explanation=dialect["explanation"],
        reasons_order=dialect["reasons_order"],
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if dialect["session"] and lead_ids is None:
            cursor.execute(dialect["session"])
        cursor.execute(sql, params)
        return cursor.rowcount
