import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.decorators import role_required
from qualification.csvutil import safe_cell
from qualification.models import StageTransition
from qualification.transitions import Evidence, TransitionRefused

from . import services
from .forms import DecisionForm, DeclineForm, MetricsForm, OpenSessionForm, ProposalForm
from .metrics import funnel_report
from .models import Decision, ReviewItem, ReviewSession, RuleChangeProposal

SESSION_ROLES = (roles.MANAGER, roles.REVOPS, roles.SDR, roles.MARKETING)
METRICS_ROLES = (roles.MANAGER, roles.MARKETING, roles.REVOPS)


def _sessions():
    return ReviewSession.objects.select_related("opened_by", "closed_by").annotate(
        leads=Count("items", distinct=True),
        decided=Count("items", filter=~Q(items__decision=Decision.PENDING), distinct=True),
    )


@role_required(*SESSION_ROLES)
def session_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "review/session_list.html",
        {"sessions": _sessions(), "form": OpenSessionForm(initial=_default_month())},
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
        request, "review/session_list.html", {"sessions": _sessions(), "form": form}, status=422
    )


def _session_items(session: ReviewSession):
    history = StageTransition.objects.select_related("actor", "reason_code").order_by(
        "occurred_at", "pk"
    )
    return (
        session.items.select_related(
            "lead__contact",
            "lead__account",
            "lead__segment",
            "lead__reason_code",
            "lead__owner",
            "decided_by",
            "overturn",
        )
        .prefetch_related(Prefetch("lead__transitions", queryset=history))
        .order_by("position")
    )


@role_required(*SESSION_ROLES)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        ReviewSession.objects.select_related("opened_by", "closed_by"), pk=pk
    )
    items = list(_session_items(session))
    can_run = session.is_open and request.user.has_perm("review.run_review")
    for item in items:
        transitions = list(item.lead.transitions.all())
        item.exit = next(
            (t for t in reversed(transitions) if t.to_stage in ("disqualified", "nurture")), None
        )
        item.targets = services.overturn_targets(item.lead, request.user) if can_run else []
    proposals = session.proposals.select_related(
        "segment", "scoring_rule", "icp_rule", "reason_code", "proposed_by", "decided_by", "item"
    )
    counts = {d: 0 for d in Decision.values}
    for item in items:
        counts[item.decision] += 1
    return render(
        request,
        "review/session_detail.html",
        {
            "session": session,
            "items": items,
            "proposals": proposals,
            "counts": counts,
            "can_run": can_run,
            "can_propose": session.is_open
            and request.user.has_perm("review.add_rulechangeproposal"),
            "can_apply": session.is_open and request.user.has_perm("review.apply_proposal"),
            "decision_form": DecisionForm(),
            "proposal_form": ProposalForm(items=items),
            "decline_form": DeclineForm(),
            "summary": session.summary if not session.is_open else None,
        },
    )


def _back(session_pk: int, anchor: str = "") -> HttpResponse:
    url = reverse("review:session", args=[session_pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "; ".join(parts)


def _refused(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, TransitionRefused):
        messages.error(request, "The lead cannot move: " + "; ".join(error.messages) + ".")
    else:
        messages.error(request, str(error)[:1].upper() + str(error)[1:] + ".")


@role_required(*SESSION_ROLES)
@require_POST
def decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(
        ReviewItem.objects.select_related("session", "lead__contact"), pk=item_pk, session_id=pk
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose agree, overturn or adjust.")
        return _back(pk, f"item-{item.pk}")
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
    except (services.ReviewRefused, TransitionRefused) as error:
        _refused(request, error)
    else:
        label = Decision(data["decision"]).label.lower()
        messages.success(request, f"Recorded “{label}” for {item.lead.contact}.")
    return _back(pk, f"item-{item.pk}")


@role_required(*SESSION_ROLES)
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ReviewSession, pk=pk)
    items = list(session.items.select_related("lead__contact"))
    form = ProposalForm(request.POST, items=items)
    if not form.is_valid():
        messages.error(request, "The proposal is incomplete: " + _form_errors(form))
        return _back(pk, "proposals")
    data = form.cleaned_data
    kind, target = data["target"]
    item = next((i for i in items if i.pk == data["item"]), None)
    try:
        services.propose_change(
            session=session,
            actor=request.user,
            kind=kind,
            target=target,
            field=data["field"],
            value=data["value"],
            rationale=data["rationale"],
            item=item,
        )
    except services.ReviewRefused as error:
        _refused(request, error)
    else:
        messages.success(request, f"Proposed: {target} {data['field']} → {data['value']}.")
    return _back(pk, "proposals")


@role_required(roles.REVOPS)
@require_POST
def apply_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(RuleChangeProposal.objects.select_related("session"), pk=pk)
    try:
        services.apply_proposal(proposal=proposal, actor=request.user)
    except services.ReviewRefused as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"Applied: {proposal.target} now has {proposal.field} {proposal.proposed_value}.",
        )
    return _back(proposal.session_id, "proposals")


@role_required(roles.REVOPS)
@require_POST
def decline_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(RuleChangeProposal, pk=pk)
    form = DeclineForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.decline_proposal(proposal=proposal, actor=request.user, note=note)
    except services.ReviewRefused as error:
        _refused(request, error)
    else:
        messages.success(request, "Declined the proposal.")
    return _back(proposal.session_id, "proposals")


@role_required(roles.MANAGER)
@require_POST
def close_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ReviewSession, pk=pk)
    try:
        session = services.close_session(session=session, actor=request.user)
    except (services.ReviewRefused, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, f"Closed {session}. Its summary is kept below; it is read-only.")
    return _back(pk)


# Metrics ------------------------------------------------------------------------------------


def _report(request: HttpRequest):
    form = MetricsForm.from_query(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, funnel_report(start=data["start"], end=data["end"], dimension=data["by"])


@role_required(*METRICS_ROLES)
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


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _hours(value) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"


@role_required(*METRICS_ROLES)
def metrics_csv(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return HttpResponse(
            _errors_text(form), content_type="text/plain; charset=utf-8", status=400
        )
    filename = f"funnel-{report.dimension}-{report.start}-{report.end}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            report.dimension_label, "MQLs", "SALs", "SQLs", "Opportunities", "MQL→SAL %",
            "SAL→SQL %", "SQL→Opp %", "Accepted", "Rejected", "Acceptance %",
            "First touch median h", "First touch p90 h", "SLA due", "SLA breached",
            "SLA compliance %", "False negatives", "False negatives bought",
        ]
    )  # fmt: skip
    for row in [*report.rows, report.total]:
        writer.writerow(
            [safe_cell(row.label)]
            + [
                safe_cell(value)
                for value in (
                    row.mql, row.sal, row.sql, row.opportunity, _pct(row.mql_to_sal),
                    _pct(row.sal_to_sql), _pct(row.sql_to_opportunity), row.accepted,
                    row.rejected, _pct(row.acceptance_rate), _hours(row.ftt_median),
                    _hours(row.ftt_p90), row.sla_due, row.sla_breached,
                    _pct(row.sla_compliance), row.false_negatives, row.bought,
                )
            ]
        )  # fmt: skip
    writer.writerow([])
    writer.writerow([report.dimension_label, "Kind", "Reason", "Count"])
    for reason in report.reasons:
        writer.writerow(
            [safe_cell(reason.group), reason.kind, safe_cell(reason.reason), reason.count]
        )
    writer.writerow([])
    writer.writerow([report.dimension_label, "Stage", "Exits", "Median h", "p90 h"])
    for stay in report.stage_times:
        writer.writerow(
            [safe_cell(stay.group), stay.stage, stay.exits, _hours(stay.median), _hours(stay.p90)]
        )
    return response
