"""Emails with the handoff brief. Called after commit, never inside a transaction: the tasks
in qualification/tasks.py send them off the request."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import roles
from qualification.models import Lead


def _lead_url(lead: Lead) -> str:
    return settings.SITE_URL + reverse("qualification:lead-detail", args=[lead.pk])


def _header(text: str) -> str:
    """One line for a header: a name typed with a line break (or any Unicode line separator)
    would make Django refuse the whole message, after the accept had committed."""
    return re.sub(r"\s+", " ", text).strip()


def send_lead_brief(lead_id: int) -> bool:
    """Send the owner the handoff brief; False when the lead has no owner with an email."""
    lead = Lead.objects.with_brief().filter(pk=lead_id).first()
    if lead is None or lead.owner is None or not lead.owner.email:
        return False
    context = {"lead": lead, "url": _lead_url(lead)}
    send_mail(
        subject=_header(f"New lead: {lead.contact} at {lead.account or 'unknown account'}"),
        message=render_to_string("qualification/email/lead_brief.txt", context),
        from_email=None,
        recipient_list=[lead.owner.email],
    )
    return True


def send_sla_breach(lead_id: int) -> bool:
    """Tell the owner and the managers that a lead's SLA has passed."""
    lead = Lead.objects.with_brief().filter(pk=lead_id).first()
    if lead is None:
        return False
    managers = (
        get_user_model()
        .objects.filter(groups__name=roles.MANAGER, is_active=True)
        .exclude(email="")
    )
    recipients = sorted({m.email for m in managers} | ({lead.owner.email} if lead.owner else set()))
    recipients = [r for r in recipients if r]
    if not recipients:
        return False
    send_mail(
        subject=_header(f"SLA breached: {lead.contact} ({lead.get_stage_display()})"),
        message=render_to_string(
            "qualification/email/sla_breach.txt", {"lead": lead, "url": _lead_url(lead)}
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return True
