"""The SAL queue: the list with its filters, and the actions on a row (accept, reject, claim next).

htmx requests get partials of `qualification/sal_queue.html`: an accepted or rejected row is
replaced by nothing (it leaves) and the counters come out of band; a refused action gets its row
back with the engine's messages, status 422. A plain form post (no JavaScript) gets a redirect
back to the queue, or the whole page with the refused form at the top.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap

from accounts import access
from accounts.decorators import role_required
from qualification.lifecycle.evidence import TransitionRefused
from qualification.models import Lead, Stage, StageTransition
from qualification.templatetags.leads import zoned_time
from qualification.web.queue import services as queue
from qualification.web.queue.filters import QueueFilter
from qualification.web.queue.forms import AcceptForm, RejectForm
from qualification.web.queue.selectors import queue_page
from qualification.web.queue.services import QueueScope

TEMPLATE = "qualification/sal_queue.html"
ACCEPT_PERMISSION = "qualification.accept_mql"
REJECT_PERMISSION = "qualification.reject_mql"
ACTIONS = (queue.ACCEPT, queue.REJECT)
FOCUS_HEADINGS = {
    "claimed": "Your next lead",
    queue.ACCEPT: "Accept this lead",
    queue.REJECT: "Reject this lead",
    "refused": "Fix and resubmit",
}


# Context ------------------------------------------------------------------------------------


class _Blank(dict):
    """A mapping whose missing keys read as `empty`, without raising: the row template looks
    up every field's value and errors, and a page of failed lookups adds up."""

    def __init__(self, data=(), empty=""):
        super().__init__(data)
        self.empty = empty

    def __missing__(self, key):
        return self.empty


def row_state(action: str = "", data=None, errors=None) -> dict:
    """What a row shows: with no `action`, the brief and two links that load the forms; with
    one, both forms, that one open. A refused action also brings back what was typed and the
    messages by field."""
    return {
        "action": action,
        "accepting": action == queue.ACCEPT,
        "rejecting": action == queue.REJECT,
        "refused": errors is not None,
        "data": _Blank(data.dict() if hasattr(data, "dict") else data or {}),
        "errors": _Blank(errors or {}, empty=()),
    }


BLANK_STATE = row_state()


def _row_context(request: HttpRequest, *, now: dt.datetime, next_url: str) -> dict:
    """What every row's forms need, loaded once per request whatever the number of rows."""
    user = request.user
    can_accept = user.has_perm(ACCEPT_PERMISSION)
    can_reject = user.has_perm(REJECT_PERMISSION)
    today = timezone.localdate(now)
    return {
        "now": now,
        "today_iso": today.isoformat(),
        "default_iso": queue.default_due_date(today).isoformat(),
        "blank_state": BLANK_STATE,
        "can_accept": can_accept,
        "can_reject": can_reject,
        "owners": [(str(pk), name, role) for pk, name, role in queue.owner_choices()]
        if can_accept
        else [],
        "default_owner": str(user.pk),
        # A queryset, run only if a form is drawn (list rows carry links, not forms).
        "reason_codes": queue.rejection_codes() if can_reject else [],
        "next_url": next_url,
    }


def _queue_url(query: QueryDict) -> str:
    url = reverse("qualification:queue")
    return f"{url}?{query.urlencode()}" if query else url


def _queue_context(
    request: HttpRequest,
    params: QueryDict,
    *,
    segments: list | None = None,
    focus_state: dict | None = None,
    status_text: str = "",
) -> dict:
    now, user = timezone.now(), request.user
    segments = queue.queue_segments(user) if segments is None else segments
    scope = QueueScope.for_user(user, segments)
    query = params.copy()
    focus_id = query.pop("focus", [None])[-1]
    act = query.pop("act", [None])[-1]
    next_url = _queue_url(query)
    context = _row_context(request, now=now, next_url=next_url)
    # Without JavaScript, a row's Accept and Reject are links to this page with the lead first
    # and that form open; with htmx they fetch the form into the row instead.
    context["focus_base"] = f"{next_url}{'&' if query else '?'}focus="
    owners = context["owners"] or queue.owner_choices()
    filters = _queue_filter(request, params, scope=scope, segments=segments, owners=owners, now=now)
    page = params.get("page")
    loaded = queue_page(
        user=user, scope=scope, filters=filters, focus_id=focus_id, page_number=page, now=now
    )
    context.update(
        {
            **loaded.as_context(),
            **_focus(act, focus_state),
            "scope": scope,
            "filters": filters,
            "filters_active": filters.active,
            "query": query,
            "status_text": status_text,
        }
    )
    return context


def _focus(act: str | None, state: dict | None) -> dict:
    """The lead shown first: the form `act` asks for open (accept by default), or the refused
    one with what was typed; headed by what the SDR is doing with it."""
    act = act if act in ACTIONS else None
    if state is None:
        state = row_state(act or queue.ACCEPT)
    heading = "refused" if state["refused"] else act or "claimed"
    return {"focus_state": state, "focus_heading": FOCUS_HEADINGS[heading]}


def _queue_filter(
    request: HttpRequest, params: QueryDict, *, scope: QueueScope, segments, owners, now
) -> QueueFilter:
    return QueueFilter(
        params,
        queryset=queue.queue_leads(scope),
        request=request,
        segments=segments,
        owners=owners,
        now=now,
    )


def _next_url(request: HttpRequest) -> str:
    """Where an action returns: the queue as the SDR left it (filters, page), from the form's
    `next` or, for an htmx request, the page it came from."""
    url = request.POST.get("next", "")
    if not url and request.htmx:
        url = request.htmx.current_url or ""
    queue_path = reverse("qualification:queue")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(url)
        if parts.path == queue_path:
            query = QueryDict(parts.query, mutable=True)
            query.pop("focus", None)
            query.pop("act", None)
            return _queue_url(query)
    return queue_path


def _params_of(url: str) -> QueryDict:
    return QueryDict(urlsplit(url).query, mutable=True)


# The page ------------------------------------------------------------------------------------


@role_required(*access.QUEUE.roles)
@require_GET
@vary_on_headers("HX-Request")
def sal_queue(request: HttpRequest) -> HttpResponse:
    template = TEMPLATE
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results-update"
    return render(request, template, _queue_context(request, request.GET))


# Actions -------------------------------------------------------------------------------------


def _lead_to_act_on(request: HttpRequest, pk: int, permission: str) -> tuple[Lead, list]:
    """The lead, if the user may act on it from the queue; 403 otherwise."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
    lead = get_object_or_404(Lead.objects.with_brief().queue_rows(), pk=pk)
    segments = queue.queue_segments(request.user)
    if not QueueScope.for_user(request.user, segments).allows(lead):
        raise PermissionDenied
    return lead, segments


def _form_errors(errors: dict, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """Errors keyed by the form's fields; anything else (the engine's "__all__", a field the
    form does not show) is said above the form. Template variables cannot start with "_"."""
    shown: dict[str, list[str]] = {}
    for field, messages_ in errors.items():
        key = field if field in fields else "non_field"
        shown.setdefault(key, []).extend(str(message) for message in messages_)
    return shown


def _counters_context(request: HttpRequest, segments: list, next_url: str) -> dict:
    """Counters and the filtered count, as the page the SDR is looking at would show them."""
    now = timezone.now()
    scope = QueueScope.for_user(request.user, segments)
    counters = queue.queue_counters(user=request.user, scope=scope, now=now)
    params = _params_of(next_url)
    params.pop("page", None)
    if not params:  # the whole queue: its count is the counter's
        return {"counters": counters, "match_count": counters.waiting, "filters_active": False}
    owners = queue.owner_choices() if params.get("owner") else ()
    filters = _queue_filter(request, params, scope=scope, segments=segments, owners=owners, now=now)
    return {
        "counters": counters,
        "match_count": filters.qs.count() if filters.active else counters.waiting,
        "filters_active": filters.active,
    }


def _done(request: HttpRequest, segments: list, next_url: str, text: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, text)
        return redirect(next_url)
    context = _counters_context(request, segments, next_url)
    context["status_text"] = text
    return render(request, f"{TEMPLATE}#action-done", context)


def _refused(
    request: HttpRequest,
    lead: Lead,
    segments: list,
    next_url: str,
    *,
    action: str,
    errors: dict,
) -> HttpResponse:
    """Show the refusal next to the fields, with what was typed; nothing was changed."""
    lead = Lead.objects.with_brief().queue_rows().get(pk=lead.pk)
    if lead.stage != Stage.MQL:
        return _gone(request, lead, segments, next_url, queue.moved_message(lead))
    state = row_state(action, request.POST, _form_errors(errors, queue.ACTION_FIELDS[action]))
    if request.htmx:
        context = _row_context(request, now=timezone.now(), next_url=next_url)
        context.update({"lead": lead, "state": state})
        return render(request, f"{TEMPLATE}#queue-row", context, status=422)
    params = _params_of(next_url)
    params["focus"] = str(lead.pk)
    context = _queue_context(request, params, segments=segments, focus_state=state)
    return render(request, TEMPLATE, context, status=422)


def _gone(
    request: HttpRequest, lead: Lead, segments: list, next_url: str, message: str
) -> HttpResponse:
    """Someone else moved the lead first: say who, and take the row out of play."""
    if not request.htmx:
        messages.error(request, message[:1].upper() + message[1:] + ".")
        return redirect(next_url)
    context = _counters_context(request, segments, next_url)
    context.update({"lead": lead, "gone_message": message})
    return render(request, f"{TEMPLATE}#row-gone", context, status=422)


def _open_form(request: HttpRequest, lead: Lead, next_url: str, action: str) -> HttpResponse:
    """The row with `action`'s form open, for htmx; without it, the queue with the lead first."""
    if not request.htmx:
        params = _params_of(next_url)
        params.update({"focus": str(lead.pk), "act": action})
        return redirect(f"{_queue_url(params)}#lead-{lead.pk}")
    context = _row_context(request, now=timezone.now(), next_url=next_url)
    context.update({"lead": lead, "state": row_state(action)})
    return render(request, f"{TEMPLATE}#queue-row", context)


def _who(user) -> str:
    return user.get_full_name() or user.get_username()


def _day(date: dt.date) -> str:
    return formats.date_format(date, "D j M")


def _accepted_text(shown: Lead, record: StageTransition) -> str:
    """`shown` is the lead as the row showed it (names loaded); `record.lead` is the result."""
    lead = record.lead
    owner = _who(lead.owner)
    if shown.owner_id is not None and shown.owner_id != lead.owner_id:
        owner += f" (handed over from {_who(shown.owner)})"
    text = (
        f"Accepted {shown.contact} ({shown.account or 'no account'}): owner "
        f"{owner}, next “{lead.next_action}” by {_day(lead.next_action_due)}."
    )
    if lead.owner.email:
        text += f" The brief is on its way to {lead.owner.email}."
    return text


def _rejected_text(shown: Lead, record: StageTransition) -> str:
    lead = record.lead
    text = f"Rejected {shown.contact} ({shown.account or 'no account'}): {record.reason_code.label}"
    if record.to_stage == Stage.NURTURE:
        return f"{text}, back in the queue’s sights on {_day(lead.recycle_on)}."
    return f"{text}, disqualified."


_ACTIONS = {
    queue.ACCEPT: (ACCEPT_PERMISSION, AcceptForm, _accepted_text),
    queue.REJECT: (REJECT_PERMISSION, RejectForm, _rejected_text),
}


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: `action`'s form (in the row, or on the queue page). POST: accept or reject."""
    permission, form_class, say = _ACTIONS[action]
    lead, segments = _lead_to_act_on(request, pk, permission)
    next_url = _next_url(request)
    if lead.stage != Stage.MQL:
        return _gone(request, lead, segments, next_url, queue.moved_message(lead))
    if request.method == "GET":
        return _open_form(request, lead, next_url, action)
    form = form_class(request.POST, actor=request.user)
    form.is_valid()
    try:
        record = queue.act_on_mql(
            lead=lead,
            action=action,
            actor=request.user,
            data=form.cleaned_data,
            form_errors=form.errors,
        )
    except TransitionRefused as refusal:
        return _refused(request, lead, segments, next_url, action=action, errors=refusal.errors)
    return _done(request, segments, next_url, say(lead, record))


@require_http_methods(["GET", "POST"])
@role_required(*access.QUEUE.roles)
@vary_on_headers("HX-Request")
def accept_lead(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, queue.ACCEPT)


@require_http_methods(["GET", "POST"])
@role_required(*access.QUEUE.roles)
@vary_on_headers("HX-Request")
def reject_lead(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, queue.REJECT)


@require_POST
@role_required(*access.QUEUE.roles)
def claim_next(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ACCEPT_PERMISSION):
        raise PermissionDenied
    segments = queue.queue_segments(request.user)
    scope = QueueScope.for_user(request.user, segments)
    lead, claimed = queue.claim_next_lead(user=request.user, scope=scope)
    next_url = _next_url(request)
    if lead is None:
        text = "Nothing to claim: every MQL in your queue already has an owner."
        if not request.htmx:
            messages.info(request, text)
            return redirect(next_url)
        response = render(request, f"{TEMPLATE}#queue-status", {"status_text": text, "oob": True})
        return reswap(response, "none")
    when = ""
    if lead.sla_due_at:
        when = f", SLA due {zoned_time(lead.sla_due_at, lead.segment)}"
    verb = "Claimed" if claimed else "Your most urgent MQL"
    text = f"{verb}: {lead.contact}{when}. Accept or reject it below."
    params = _params_of(next_url)
    params["focus"] = str(lead.pk)
    params.pop("page", None)
    url = _queue_url(params)
    if not request.htmx:
        messages.success(request, text)
        return redirect(f"{url}#lead-{lead.pk}")
    context = _queue_context(request, params, segments=segments, status_text=text)
    response = render(request, f"{TEMPLATE}#claim-done", context)
    return push_url(response, url)
