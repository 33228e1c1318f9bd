import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import access, roles
from accounts.decorators import role_required
from qualification.lifecycle.evidence import Evidence, TransitionRefused
from review import metrics_csv as metrics_csv_file
from review import services
from review.forms import (
    CloseForm,
    DecisionForm,
    DeclineForm,
    MetricsForm,
    OpenSessionForm,
    ProposalForm,
)
from review.metrics import funnel_report
from review.models import Decision, ReviewItem, ReviewSession, RuleChangeProposal
from review.selectors import borderline_leads as load_borderline_leads
from review.selectors import session_page, sessions_with_progress


@role_required(*access.REVIEW_SESSION_ROLES)
def session_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "review/session_list.html",
        {"sessions": sessions_with_progress(), "form": OpenSessionForm(initial=_default_month())},
    )


def _default_month() -> dict:
    first = timezone.localdate().replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return {"month": previous.strftime("%Y-%m"), "size": services.DEFAULT_SIZE}


@role_required(roles.MANAGER)
@require_POST
def open_session(request: HttpRequest) -> HttpResponse:
    form = OpenSessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.open_session(
                month=form.cleaned_data["month"],
                size=form.cleaned_data["size"],
                actor=request.user,
            )
        except services.ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, f"Opened {session} with {session.items.count()} sampled leads."
            )
            return redirect("review:session", session.pk)
    return render(
        request,
        "review/session_list.html",
        {"sessions": sessions_with_progress(), "form": form},
        status=422,
    )


class _Blank(dict):
    """A mapping whose missing keys read as `empty`: the card looks up every field's value and
    errors, and most are not there."""

    def __init__(self, data=(), empty=""):
        super().__init__(data)
        self.empty = empty

    def __missing__(self, key):
        return self.empty


def form_state(data=None, errors: dict | None = None, fields: tuple[str, ...] = ()) -> dict:
    """What a refused form shows again: what was typed, and the messages by field. Messages for
    anything the form does not show (the engine's "__all__", a lead field with no input here)
    go under `non_field`, said above the form. Template variables cannot start with "_"."""
    shown: dict[str, list[str]] = {}
    for name, messages_ in (errors or {}).items():
        name = FIELD_ALIASES.get(name, name)
        key = name if name in fields else "non_field"
        shown.setdefault(key, []).extend(str(m)[:1].upper() + str(m)[1:] for m in messages_)
    return {
        "refused": errors is not None,
        "data": _Blank(data.dict() if hasattr(data, "dict") else data or {}),
        "errors": _Blank(shown, empty=()),
        "first_error": next((name for name in fields if name in shown), ""),
    }


BLANK = form_state()
DECISION_FIELDS = ("decision", "note", "overturn_to", "reason_code", "recycle_on")
PROPOSAL_FIELDS = ("target", "field", "value", "rationale", "item")
DECLINE_FIELDS = ("note",)
# An overturn's note is the manual-review decision the engine asks for when marking an MQL.
FIELD_ALIASES = {"manual_review_decision": "note"}


def _session_context(
    request: HttpRequest,
    session: ReviewSession,
    *,
    decision: tuple[int, dict] | None = None,
    proposal: dict = BLANK,
    proposal_row: tuple[int, dict] | None = None,
    closing: services.Unfinished | None = None,
    status_text: str = "",
) -> dict:
    """Everything the session page and its partials show; a refused form's state (what was
    typed, the messages by field) goes to the card, row or form it came from."""
    page = session_page(session=session, user=request.user)
    for item in page.items:
        item.state = decision[1] if decision and decision[0] == item.pk else BLANK
    for row in page.proposals:
        row.state = proposal_row[1] if proposal_row and proposal_row[0] == row.pk else BLANK
    decision_form = DecisionForm()
    return {
        **page.as_context(),
        "closing": closing,
        "decision_form": decision_form,
        # Loaded once for every card (the form's own copy of the queryset, not the class's).
        "reason_codes": list(decision_form.fields["reason_code"].queryset),
        "proposal_form": _proposal_form(page.items, proposal),
        "proposal_state": proposal,
        "status_text": status_text,
    }


TEMPLATE = "review/session_detail.html"


def _proposal_form(items: list, state: dict) -> ProposalForm:
    """The proposal form, bound to what was typed when it was refused, with every message on its
    field (the service's too), so each input is marked invalid and names its message."""
    if not state["refused"]:
        return ProposalForm(items=items)
    form = ProposalForm(state["data"], items=items)
    form.is_valid()
    for name in PROPOSAL_FIELDS:
        for message in state["errors"][name]:
            if message not in form.errors.get(name, ()):
                form.add_error(name, message)
    return form


def _session(pk: int) -> ReviewSession:
    return get_object_or_404(ReviewSession.objects.select_related("opened_by", "closed_by"), pk=pk)


@role_required(*access.REVIEW_SESSION_ROLES)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, TEMPLATE, _session_context(request, _session(pk)))


def _refused(
    request: HttpRequest, session: ReviewSession, part: str, *, drawn: bool = True, **state
) -> HttpResponse:
    """A refused form, in place: with htmx its card or section alone, without it the whole
    page; either way 422, the messages beside the fields and what was typed kept. When the form
    is no longer drawn (the session closed, the proposal decided meanwhile), its messages are
    said at the top of the page instead."""
    context = _session_context(request, session, **state)
    if not drawn:
        refused = next(value for value in state.values() if value)
        refused = refused[1] if isinstance(refused, tuple) else refused
        context["page_errors"] = [m for messages_ in refused["errors"].values() for m in messages_]
    if request.htmx:
        context["part"] = part
        if part == "review-card":
            item_pk = state["decision"][0]
            context["item"] = next(i for i in context["items"] if i.pk == item_pk)
        return render(request, f"{TEMPLATE}#refused", context, status=422)
    return render(request, TEMPLATE, context, status=422)


def _done(
    request: HttpRequest,
    session: ReviewSession,
    text: str,
    *,
    part: str,
    anchor: str,
    item_pk: int | None = None,
) -> HttpResponse:
    """Done: without htmx, back to the page (at the card or the proposals) with the message;
    with htmx, the changed card or section and, out of band, the figures it changes."""
    if not request.htmx:
        messages.success(request, text)
        url = reverse("review:session", args=[session.pk])
        return redirect(f"{url}#{anchor}")
    context = _session_context(request, session, status_text=text)
    context["part"] = part
    if item_pk is not None:
        context["item"] = next(i for i in context["items"] if i.pk == item_pk)
    return render(request, f"{TEMPLATE}#changed", context)


@role_required(*access.REVIEW_SESSION_ROLES)
@require_POST
def decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(
        ReviewItem.objects.select_related("session", "lead__contact"), pk=item_pk, session_id=pk
    )
    session = item.session
    form = DecisionForm(request.POST)
    errors: dict = dict(form.errors)
    if form.is_valid():
        data = form.cleaned_data
        overturn = data["decision"] == Decision.OVERTURN
        evidence = Evidence(reason_code=data["reason_code"], recycle_on=data["recycle_on"])
        try:
            services.record_decision(
                item=item,
                actor=request.user,
                decision=data["decision"],
                note=data["note"],
                overturn_to=data["overturn_to"] or None if overturn else None,
                evidence=evidence if overturn else None,
            )
        except (services.ReviewRefused, TransitionRefused) as refusal:
            errors = refusal.errors
        else:
            label = Decision(data["decision"]).label.lower()
            text = f"Recorded “{label}” for {item.lead.contact}."
            return _done(
                request, session, text, part="card", anchor=f"item-{item.pk}", item_pk=item.pk
            )
    state = form_state(request.POST, errors, DECISION_FIELDS)
    session.refresh_from_db(fields=["status"])
    return _refused(
        request, session, "review-card", drawn=session.is_open, decision=(item.pk, state)
    )


@role_required(*access.REVIEW_SESSION_ROLES)
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    items = list(session.items.select_related("lead__contact"))
    form = ProposalForm(request.POST, items=items)
    errors: dict = dict(form.errors)
    if form.is_valid():
        data = form.cleaned_data
        kind, target = data["target"]
        item = next((i for i in items if i.pk == data["item"]), None)
        try:
            proposal = services.propose_change(
                session=session,
                actor=request.user,
                kind=kind,
                target=target,
                field=data["field"],
                value=data["value"],
                rationale=data["rationale"],
                item=item,
            )
        except services.ReviewRefused as refusal:
            errors = refusal.errors
        else:
            text = f"Proposed: {target} {proposal.field_label} → {proposal.proposed_value}."
            return _done(request, session, text, part="proposals", anchor="proposals")
    state = form_state(request.POST, errors, PROPOSAL_FIELDS)
    session.refresh_from_db(fields=["status"])
    return _refused(request, session, "proposals", drawn=session.is_open, proposal=state)


def _proposal(pk: int) -> RuleChangeProposal:
    return get_object_or_404(
        RuleChangeProposal.objects.select_related(
            "session", "segment", "scoring_rule", "icp_rule", "reason_code"
        ),
        pk=pk,
    )


def _row_refused(
    request: HttpRequest, proposal: RuleChangeProposal, refusal: services.ReviewRefused
) -> HttpResponse:
    state = form_state(request.POST, refusal.errors, DECLINE_FIELDS)
    pending = RuleChangeProposal.objects.filter(
        pk=proposal.pk, status=RuleChangeProposal.Status.PROPOSED
    ).exists()
    return _refused(
        request,
        _session(proposal.session_id),
        "proposals",
        drawn=pending,
        proposal_row=(proposal.pk, state),
    )


@role_required(roles.REVOPS)
@require_POST
def apply_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        services.apply_proposal(proposal=proposal, actor=request.user)
    except services.ReviewRefused as refusal:
        return _row_refused(request, proposal, refusal)
    text = f"Applied: {proposal.target} now has {proposal.field_label} {proposal.proposed_value}."
    return _done(request, _session(proposal.session_id), text, part="proposals", anchor="proposals")


@role_required(roles.REVOPS)
@require_POST
def decline_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    form = DeclineForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.decline_proposal(proposal=proposal, actor=request.user, note=note)
    except services.ReviewRefused as refusal:
        return _row_refused(request, proposal, refusal)
    text = f"Declined: {proposal.target} keeps {proposal.field_label} {proposal.current_value}."
    return _done(request, _session(proposal.session_id), text, part="proposals", anchor="proposals")


@role_required(roles.MANAGER)
@require_POST
def close_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Close, or ask first: with leads undecided or proposals pending, the page comes back
    (422) saying how many, with a button that confirms exactly those numbers."""
    session = _session(pk)
    form = CloseForm(request.POST)
    confirmed = form.confirmed() if form.is_valid() else None
    try:
        session = services.close_session(session=session, actor=request.user, confirmed=confirmed)
    except services.CloseNeedsConfirmation as ask:
        return render(
            request,
            TEMPLATE,
            _session_context(request, session, closing=ask.unfinished),
            status=422,
        )
    except (services.ReviewRefused, PermissionDenied) as error:
        messages.error(request, str(error)[:1].upper() + str(error)[1:] + ".")
    else:
        messages.success(request, f"Closed {session}. Its summary is kept below; it is read-only.")
    return redirect("review:session", session.pk)


# Metrics ------------------------------------------------------------------------------------


def _report(request: HttpRequest):
    form = MetricsForm.from_query(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, funnel_report(start=data["start"], end=data["end"], dimension=data["by"])


@role_required(*access.METRICS.roles)
def metrics(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    return render(
        request,
        "review/metrics.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
        status=200 if report else 400,
    )


def _errors_text(form) -> str:
    """A refused period in words, each message after its field's label."""
    return "\n".join(
        f"{form.fields[name].label if name in form.fields else 'Period'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


@role_required(*access.METRICS.roles)
def metrics_csv(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return HttpResponse(
            _errors_text(form), content_type="text/plain; charset=utf-8", status=400
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{metrics_csv_file.filename(report)}"'
    csv.writer(response).writerows(metrics_csv_file.rows(report))
    return response


@role_required(*access.BOARD.roles)
def borderline_leads(request: HttpRequest) -> HttpResponse:
    page = load_borderline_leads(now=timezone.now())
    return render(request, "review/borderline_leads.html", vars(page))
