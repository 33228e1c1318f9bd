"""The lead page (the AE's discovery workspace) and the writes it makes.

Each write is one POST-only view that checks the user may work the lead, parses a form, calls one
function in qualification/discovery.py (or the transition engine), and answers HTMX with the
partial it changed plus out-of-band copies of what depends on it (the flags, what each transition
still needs, the checklist history); without JavaScript it redirects back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import access, roles
from accounts.decorators import role_required
from accounts.models import BuyingGroupRole
from qualification.discovery import services as discovery
from qualification.lifecycle.engine import transition_lead, unmet_requirements
from qualification.lifecycle.evidence import NON_FIELD, TransitionRefused
from qualification.lifecycle.scope import scope_refusal
from qualification.lifecycle.survivors import likely_survivors
from qualification.lifecycle.table import transitions_from
from qualification.models import Activity, FrameworkItem, Lead, ReasonCode
from qualification.web.lead_page.forms import (
    AnswerForm,
    BuyingGroupForm,
    NoteForm,
    SentimentForm,
    TransitionForm,
)

TEMPLATE = "qualification/lead_detail.html"
TIMELINE_LIMIT = 100
NOTES_LIMIT = 100
# The header the JavaScript looks for to tell a real save from, say, the login page that an
# expired session is redirected to.
AUTOSAVE_HEADER = "X-Autosave"


def _lead(pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.with_brief().select_related("duplicate_of__contact"), pk=pk
    )


def _workable_lead(request: HttpRequest, pk: int) -> Lead:
    lead = _lead(pk)
    if not discovery.can_work_lead(request.user, lead):
        raise PermissionDenied
    return lead


def _page_url(lead: Lead, framework_key: str | None = None) -> str:
    url = reverse("qualification:lead-detail", args=[lead.pk])
    return f"{url}?framework={framework_key}" if framework_key else url


def _transition_actions(
    request: HttpRequest, lead: Lead, reason_codes: list, bound: TransitionForm | None = None
) -> list[dict]:
    """The transitions this user may run from the lead's stage, each with its evidence form and
    what it still needs (the engine's own messages, before any evidence is typed)."""
    actions = []
    survivors = None
    for row in transitions_from(lead.stage):
        if not row.permission or not row.allows(request.user, lead):
            continue
        if survivors is None and "duplicate_of" in row.evidence:
            survivors = likely_survivors(lead)
        form = (
            bound
            if bound is not None and bound.transition == row.name
            else TransitionForm(
                transition=row.name,
                reason_codes=reason_codes,
                survivors=survivors or (),
                initial=_initial(lead),
            )
        )
        needs = unmet_requirements(lead, row, request.user)
        actions.append(
            {
                "row": row,
                "label": row.label,
                "form": form,
                "needs": [message for messages_ in needs.values() for message in messages_],
                "open": form.is_bound,
            }
        )
    return actions


def _initial(lead: Lead) -> dict:
    meeting = lead.next_meeting_on
    return {
        "next_meeting_on": timezone.localtime(meeting) if meeting else None,
        "single_thread_override": lead.single_thread_override,
        "amount_estimate": lead.amount_estimate,
        "expected_close_date": lead.expected_close_date,
        "mutual_next_step": lead.mutual_next_step,
        "next_action": lead.next_action,
        "next_action_due": lead.next_action_due,
    }


def lead_page_context(
    request: HttpRequest,
    lead: Lead,
    *,
    framework_key: str | None = None,
    note_form: NoteForm | None = None,
    group_form: BuyingGroupForm | None = None,
    transition_form: TransitionForm | None = None,
) -> dict:
    now = timezone.now()
    can_work = discovery.can_work_lead(request.user, lead)
    timeline = list(
        Activity.objects.filter(Q(lead=lead) | Q(contact_id=lead.contact_id, lead__isnull=True))
        .select_related("actor")
        .order_by("-occurred_at", "-pk")[: TIMELINE_LIMIT + 1]
    )
    frameworks = discovery.frameworks_for_page()
    framework = discovery.chosen_framework(lead, frameworks, framework_key) if frameworks else None
    rows = discovery.checklist_rows(lead, framework) if framework else []
    notes = list(lead.discovery_notes.select_related("author").order_by("-created_at", "-pk"))
    mapped, contacts = discovery.buying_group(lead)
    reason_codes = list(ReasonCode.objects.filter(active=True).order_by("position", "pk"))
    actions = _transition_actions(request, lead, reason_codes, transition_form) if can_work else []
    return {
        "lead": lead,
        "now": now,
        "can_work": can_work,
        "timeline": timeline[:TIMELINE_LIMIT],
        "timeline_truncated": len(timeline) > TIMELINE_LIMIT,
        "transitions": lead.transitions.select_related("actor", "reason_code").order_by(
            "occurred_at", "pk"
        ),
        "frameworks": frameworks,
        "framework": framework,
        "rows": [
            (item, answer, AnswerForm(initial=_answer_initial(answer))) for item, answer in rows
        ],
        "notes": notes[:NOTES_LIMIT],
        "note_form": note_form or NoteForm(),
        "mapped": mapped,
        "contacts": contacts,
        "group_form": group_form or BuyingGroupForm(contacts=contacts),
        "sentiments": BuyingGroupRole.Sentiment.choices,
        "group_warnings": discovery.buying_group_warnings(mapped),
        "flags": discovery.red_flags(
            lead=lead,
            answers=[answer for _item, answer in rows],
            mapped=mapped,
            activities=timeline,
            has_notes=bool(notes),
            now=now,
        ),
        "answer_history": discovery.answer_history(lead),
        "actions": actions,
        # Why an SDR who works this MQL may not accept or reject it: it is another queue's.
        "outside_scope": scope_refusal(user=request.user, lead=lead)
        if can_work and not actions
        else None,
    }


def _answer_initial(answer) -> dict:
    return {"status": answer.status, "answer": answer.answer, "evidence": answer.evidence}


@role_required(*roles.ROLES)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(pk)
    context = lead_page_context(request, lead, framework_key=request.GET.get("framework"))
    return render(request, TEMPLATE, context)


def _partial(
    request: HttpRequest, context: dict, main: str, *, status: int = 200, extra=("live",)
) -> HttpResponse:
    html = "".join(
        render(request, f"{TEMPLATE}#{name}", {**context, "oob": name != main}).content.decode()
        for name in (main, *extra)
    )
    return HttpResponse(html, status=status)


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def save_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    item = get_object_or_404(FrameworkItem.objects.select_related("framework"), pk=item_pk)
    form = AnswerForm(request.POST)
    saved = None
    if form.is_valid():
        saved = discovery.save_checklist_answer(
            lead=lead,
            item=item,
            actor=request.user,
            status=form.cleaned_data["status"],
            answer=form.cleaned_data["answer"],
            evidence=form.cleaned_data["evidence"],
        )
    if not request.htmx:
        if saved is None:
            messages.error(request, f"{item.label} was not saved: choose a valid status.")
        return redirect(f"{_page_url(lead, item.framework.key)}#item-{item.pk}")
    context = lead_page_context(request, lead, framework_key=item.framework.key)
    context.update({"item": item, "answer": saved, "error": form.errors.get("status")})
    response = _partial(
        request, context, "answer-status", status=200 if saved else 422, extra=("live", "history")
    )
    if saved is not None:
        response[AUTOSAVE_HEADER] = "saved"
    return response


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        discovery.add_discovery_note(lead=lead, author=request.user, body=form.cleaned_data["body"])
        if not request.htmx:
            messages.success(request, "Note added.")
            return redirect(f"{_page_url(lead)}#notes")
        return _partial(request, lead_page_context(request, lead), "notes")
    context = lead_page_context(request, lead, note_form=form)
    if not request.htmx:
        return render(request, TEMPLATE, context, status=422)
    return _partial(request, context, "notes", status=422)


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def map_role(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    _mapped, contacts = discovery.buying_group(lead)
    form = BuyingGroupForm(request.POST, contacts=contacts)
    if form.is_valid():
        data = form.cleaned_data
        new = None
        if data["contact"] is None:
            new = discovery.NewContact(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                title=data["title"],
            )
        try:
            discovery.map_buying_group_role(
                lead=lead,
                actor=request.user,
                role=data["role"],
                sentiment=data["sentiment"],
                contact=data["contact"],
                new_contact=new,
            )
        except discovery.BuyingGroupError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    if form.is_valid():
        if not request.htmx:
            messages.success(request, "Buying group updated.")
            return redirect(f"{_page_url(lead)}#buying-group")
        return _partial(request, lead_page_context(request, lead), "buying-group")
    context = lead_page_context(request, lead, group_form=form)
    if not request.htmx:
        return render(request, TEMPLATE, context, status=422)
    return _partial(request, context, "buying-group", status=422)


def _role_of(lead: Lead, role_pk: int) -> BuyingGroupRole:
    return get_object_or_404(
        BuyingGroupRole.objects.select_related("contact"), pk=role_pk, account_id=lead.account_id
    )


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def change_role(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    role = _role_of(lead, role_pk)
    form = SentimentForm(request.POST)
    if form.is_valid():
        discovery.change_buying_group_role(
            role=role, actor=request.user, sentiment=form.cleaned_data["sentiment"]
        )
    if not request.htmx:
        return redirect(f"{_page_url(lead)}#buying-group")
    return _partial(
        request,
        lead_page_context(request, lead),
        "buying-group",
        status=200 if form.is_valid() else 422,
    )


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def remove_role(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    discovery.remove_buying_group_role(role=_role_of(lead, role_pk), actor=request.user)
    if not request.htmx:
        messages.success(request, "Removed from the buying group.")
        return redirect(f"{_page_url(lead)}#buying-group")
    return _partial(request, lead_page_context(request, lead), "buying-group")


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def move_lead(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    name = request.POST.get("transition", "")
    row = next((row for row in transitions_from(lead.stage) if row.name == name), None)
    reason_codes = list(ReasonCode.objects.filter(active=True).order_by("position", "pk"))
    survivors = likely_survivors(lead) if row and "duplicate_of" in row.evidence else ()
    form = TransitionForm(
        request.POST, transition=name, reason_codes=reason_codes, survivors=survivors
    )
    stale = None
    if row is None:
        stale = "This lead can no longer make that change; reload the page."
    elif form.is_valid():
        try:
            record = transition_lead(
                lead=lead, to=row.target, actor=request.user, evidence=form.evidence()
            )
        except TransitionRefused as refused:
            for field, problems in refused.errors.items():
                target = field if field in form.fields and field != NON_FIELD else None
                for problem in problems:
                    form.add_error(target, problem[:1].upper() + problem[1:])
        else:
            messages.success(request, f"Moved to {record.get_to_stage_display()}.")
            if request.htmx:
                return HttpResponseClientRedirect(_page_url(lead))
            return redirect(_page_url(lead))
    context = lead_page_context(request, lead, transition_form=form)
    context["stale"] = stale
    if not request.htmx:
        return render(request, TEMPLATE, context, status=422)
    return _partial(request, context, "actions", status=422, extra=())
