"""Celery tasks: each loads what it needs and calls one domain function. All are idempotent."""

from __future__ import annotations

from celery import shared_task

from qualification.intake.import_jobs import run_import_job
from qualification.jobs import enrich_all
from qualification.jobs.duplicates import run_nightly_detection
from qualification.jobs.sla_sweep import sweep_sla_breaches
from qualification.lifecycle import notifications
from qualification.scoring import intent as scoring
from qualification.scoring import stage_rules


@shared_task(name="qualification.tasks.score_and_route")
def score_and_route(lead_ids: list[int]) -> dict:
    """After new activity or intake: rescore the leads, then let the stage rules act."""
    scoring.score_leads(lead_ids)
    outcomes = stage_rules.apply_stage_rules(stage_rules.leads_for_stage_rules(lead_ids))
    return dict(outcomes)


@shared_task(name="qualification.tasks.email_lead_brief")
def email_lead_brief(lead_id: int) -> bool:
    """The handoff brief to the lead's owner, off the request that handed the lead over."""
    return notifications.send_lead_brief(lead_id)


@shared_task(name="qualification.tasks.nightly_rescore")
def nightly_rescore() -> dict:
    """Decay every score, then act on leads whose band now calls for it."""
    updated = scoring.score_leads()
    outcomes = stage_rules.apply_stage_rules(stage_rules.leads_for_stage_rules())
    return {"rescored": updated, **outcomes}


@shared_task(name="qualification.tasks.sweep_sla")
def sweep_sla() -> int:
    return sweep_sla_breaches()


@shared_task(name="qualification.tasks.recycle_nurture")
def recycle_nurture() -> int:
    return stage_rules.recycle_due_leads()


@shared_task(name="qualification.tasks.flag_stale")
def flag_stale() -> dict:
    flagged, cleared = stage_rules.flag_stale_leads()
    return {"flagged": flagged, "cleared": cleared}


@shared_task(name="qualification.tasks.apply_rules_after_import")
def apply_rules_after_import(lead_ids: list[int]) -> dict:
    """Imported leads are scored as they land; the stage rules then act on them here."""
    outcomes = stage_rules.apply_stage_rules(stage_rules.leads_for_stage_rules(lead_ids))
    return dict(outcomes)


@shared_task(name="qualification.tasks.run_import")
def run_import(job_id: int) -> None:
    run_import_job(job_id, rules_after_batch=apply_rules_after_import.delay_on_commit)


@shared_task(name="qualification.tasks.enrich_all_accounts")
def enrich_all_accounts(run_id: int) -> dict:
    """Enrich every account (or carry a stopped run on); see jobs.enrich_all."""
    run = enrich_all.run_enrichment(run_id)
    return {"status": run.status, "changed": run.accounts_changed}


@shared_task(name="qualification.tasks.detect_duplicates")
def detect_duplicates() -> dict:
    """Every live lead against every other: the pairs the paths missed (an admin edit, a
    phone typed later), carried on from where a stopped run was."""
    run = run_nightly_detection()
    return {"run": run.pk, "status": run.status, "leads": run.leads_checked, "merged": run.merged}
