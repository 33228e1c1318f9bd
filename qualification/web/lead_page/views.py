"""The lead page (the AE's discovery workspace) and the writes it makes.

Each write is one POST-only view that checks the user may work the lead, parses a form, calls one
function in qualification/discovery.py (or the transition engine), and answers HTMX with the
partial it changed plus out-of-band copies of what depends on it (the flags, what each transition
still needs, the checklist history); without JavaScript it redirects back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import access, roles
from accounts.decorators import role_required
from accounts.models import BuyingGroupRole
from qualification.discovery import services as discovery
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import NON_FIELD, TransitionRefused
from qualification.lifecycle.survivors import likely_survivors
from qualification.lifecycle.table import transitions_from
from qualification.models import FrameworkItem, Lead, ReasonCode
from qualification.web.lead_page.forms import (
    AnswerForm,
    BuyingGroupForm,
    NoteForm,
    SentimentForm,
    TransitionForm,
)
from qualification.web.lead_page.selectors import (
    autosave_fragment,
    buying_group_fragment,
    lead_page,
    load_lead,
    notes_fragment,
)

TEMPLATE = "qualification/lead_detail.html"
# The header the JavaScript looks for to tell a real save from, say, the login page that an
# expired session is redirected to.
AUTOSAVE_HEADER = "X-Autosave"


def _workable_lead(request: HttpRequest, pk: int) -> Lead:
    lead = load_lead(pk)
    if not discovery.can_work_lead(request.user, lead):
        raise PermissionDenied
    return lead


def _page_url(lead: Lead, framework_key: str | None = None) -> str:
    url = reverse("qualification:lead-detail", args=[lead.pk])
    return f"{url}?framework={framework_key}" if framework_key else url


def _page(request: HttpRequest, lead: Lead, **forms) -> dict:
    """The whole page's context, the refused form (if any) bound."""
    return lead_page(lead=lead, user=request.user).as_context(**forms)


@role_required(*roles.ROLES)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = lead_page(
        lead=load_lead(pk), user=request.user, framework_key=request.GET.get("framework")
    )
    return render(request, TEMPLATE, page.as_context())


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
    edit = None
    if form.is_valid():
        edit = discovery.save_checklist_answer(
            lead=lead,
            item=item,
            actor=request.user,
            status=form.cleaned_data["status"],
            answer=form.cleaned_data["answer"],
            evidence=form.cleaned_data["evidence"],
        )
    if not request.htmx:
        if edit is None:
            messages.error(request, f"{item.label} was not saved: choose a valid status.")
        return redirect(f"{_page_url(lead, item.framework.key)}#item-{item.pk}")
    return _autosaved(request, lead, item, edit, form.errors.get("status"))


def _autosaved(
    request: HttpRequest,
    lead: Lead,
    item: FrameworkItem,
    edit: discovery.AnswerEdit | None,
    error: list | None,
) -> HttpResponse:
    """The autosave's answer: the item's state and, when more than its words changed, the
    flags, each button's needs and the history; typing only adds its history line."""
    if edit is not None and edit.text_only:
        context = {
            "lead": lead,
            "item": item,
            "answer": edit.row,
            "history_line": edit.history_line,
        }
        extra = ("history-line",) if edit.history_line else ()
        response = _partial(request, context, "answer-status", extra=extra)
    else:
        answer = edit.row if edit else None
        fragment = autosave_fragment(
            lead=lead, user=request.user, item=item, answer=answer, error=error
        )
        status = 200 if edit else 422
        response = _partial(
            request,
            fragment.as_context(),
            "answer-status",
            status=status,
            extra=("live", "history"),
        )
    if edit is not None:
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
        return _partial(request, notes_fragment(lead=lead, user=request.user).as_context(), "notes")
    if not request.htmx:
        return render(request, TEMPLATE, _page(request, lead, note_form=form), status=422)
    fragment = notes_fragment(lead=lead, user=request.user)
    return _partial(request, fragment.as_context(note_form=form), "notes", status=422)


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
        return _partial(request, _group(request, lead), "buying-group")
    if not request.htmx:
        return render(request, TEMPLATE, _page(request, lead, group_form=form), status=422)
    return _partial(request, _group(request, lead, group_form=form), "buying-group", status=422)


def _group(request: HttpRequest, lead: Lead, **forms) -> dict:
    return buying_group_fragment(lead=lead, user=request.user).as_context(**forms)


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
        request, _group(request, lead), "buying-group", status=200 if form.is_valid() else 422
    )


@require_POST
@role_required(*access.LEAD_WRITE_ROLES)
def remove_role(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    lead = _workable_lead(request, pk)
    discovery.remove_buying_group_role(role=_role_of(lead, role_pk), actor=request.user)
    if not request.htmx:
        messages.success(request, "Removed from the buying group.")
        return redirect(f"{_page_url(lead)}#buying-group")
    return _partial(request, _group(request, lead), "buying-group")


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
    context = _page(request, lead, transition_form=form)
    context["stale"] = stale
    if not request.htmx:
        return render(request, TEMPLATE, context, status=422)
    return _partial(request, context, "actions", status=422, extra=())
