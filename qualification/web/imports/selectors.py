"""What the import pages read: where an import's leads went, by outcome, stage and cause."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse

from qualification.models import ImportJob, ImportRow, Stage, StageTransition
from qualification.web.lead_list.filters import LeadListFilter

OUTCOME_WORDS = {
    ImportRow.Outcome.CREATED: "created",
    ImportRow.Outcome.MERGED: "merged into leads already here",
    ImportRow.Outcome.UNCHANGED: "already here, nothing new",
}
STAGE_WORDS = {
    Stage.NEW: "still new",
    Stage.MQL: "to MQL",
    Stage.NURTURE: "to nurture",
    Stage.DISQUALIFIED: "disqualified",
}
RULE_WORDS = {
    "nurture-floor": "under the nurture floor",
    "intent-score": "over the MQL threshold",
    "intent-spike": "on an intent spike",
    "recycle": "back on their recycle date",
}


@dataclass
class Part:
    """The leads of one outcome that are in one stage now, and what put them there."""

    stage: str
    leads: int
    words: str
    url: str
    causes: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Line:
    rows: int
    words: str
    parts: list[Part] = field(default_factory=list)


def _cause(job: ImportJob, rule: str | None, manual_review: bool) -> str:
    """Why a lead is where it is: the rule (or person) of its last stage change."""
    if rule is None:  # never moved
        if manual_review:
            return "for manual review"
        if job.apply_rules:
            return "awaiting the stage rules"
        return "with the stage rules off"
    if rule == "":
        return "by a person"
    if rule in RULE_WORDS:
        return RULE_WORDS[rule]
    if rule == f"import:{job.source_system}"[:60]:
        return "as the file said"
    if rule.startswith("import:"):
        return "as an earlier import said"
    return f"by the rule “{rule}”"


def where_leads_went(job: ImportJob) -> list[Line]:
    """One line per outcome ("3 created: 3 to nurture under the nurture floor"), each stage
    linking to the lead list filtered to this job, outcome and stage. Stages are read now, so
    the page stays true after people work the leads."""
    causes = _causes_by_outcome_and_stage(job)
    counts = {
        ImportRow.Outcome.CREATED: job.created_count,
        ImportRow.Outcome.MERGED: job.merged_count,
        ImportRow.Outcome.UNCHANGED: job.unchanged_count,
    }
    lines = []
    for outcome, words in OUTCOME_WORDS.items():
        if not counts[outcome]:
            continue
        parts = [
            _part(job, outcome, stage, by_cause)
            for stage, by_cause in causes.get(outcome, {}).items()
        ]
        parts.sort(key=lambda part: (-part.leads, Stage.values.index(part.stage)))
        leads = sum(part.leads for part in parts)
        if leads and leads != counts[outcome]:
            words += f" ({leads:,} lead{'' if leads == 1 else 's'})"
        lines.append(Line(rows=counts[outcome], words=words, parts=parts))
    return lines


def _causes_by_outcome_and_stage(job: ImportJob) -> dict[str, dict[str, dict[str, int]]]:
    """outcome → stage now → why (the last stage change's rule, in words) → leads: one query."""
    last_rule = (
        StageTransition.objects.filter(lead=OuterRef("lead_id"))
        .order_by("-occurred_at", "-pk")
        .values("rule")[:1]
    )
    groups = (
        job.rows.filter(lead__isnull=False)
        .annotate(rule=Subquery(last_rule))
        .values_list("outcome", "lead__stage", "lead__manual_review", "rule")
        .annotate(leads=Count("lead_id", distinct=True))
        .order_by()
    )
    causes: dict[str, dict[str, defaultdict[str, int]]] = defaultdict(dict)
    for outcome, stage, manual_review, rule, leads in groups:
        why = _cause(job, rule, manual_review)
        causes[outcome].setdefault(stage, defaultdict(int))[why] += leads
    return causes


def _part(job: ImportJob, outcome: str, stage: str, by_cause: dict[str, int]) -> Part:
    query = {
        "import_job": job.pk,
        "outcome": outcome,
        "stage": stage,
        "owner": LeadListFilter.EVERYONE,
    }
    return Part(
        stage=stage,
        leads=sum(by_cause.values()),
        words=STAGE_WORDS.get(stage, f"now {Stage(stage).label}"),
        url=f"{reverse('qualification:lead-list')}?{urlencode(query)}",
        causes=sorted(((n, why) for why, n in by_cause.items()), reverse=True),
    )
