"""Match review: link a waiting lead to a candidate, to another account, or to a new one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import MATCH_REVIEW
from accounts.decorators import role_required
from accounts.models import Account
from accounts.normalize import normalize_domain
from qualification.matching.companies import render_reasons
from qualification.matching.records import ResolveRefused, resolve_match
from qualification.models import AccountMatch
from qualification.web.match_review.selectors import SHOWN, waiting_matches


@role_required(*MATCH_REVIEW.roles)
def match_review(request: HttpRequest) -> HttpResponse:
    matches = waiting_matches(user=request.user)
    shown = list(matches[:SHOWN])
    for match in shown:
        for candidate in match.candidates.all():
            candidate.explained = render_reasons(candidate.reasons)
    return render(
        request,
        "qualification/match_review.html",
        {"matches": shown, "total": matches.count() if len(shown) == SHOWN else len(shown)},
    )


@require_POST
@role_required(*MATCH_REVIEW.roles)
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    action = request.POST.get("action", "")
    account_id = _account_id(action, request.POST)
    try:
        match = resolve_match(match_id=pk, user=request.user, action=action, account_id=account_id)
    except (AccountMatch.DoesNotExist, PermissionDenied) as missing:
        # Another's lead is not on your review list: as missing as one that never was.
        raise Http404("No such match in your review list.") from missing
    except ResolveRefused as refused:
        messages.error(request, str(refused))
        return redirect("qualification:match-review")
    messages.success(
        request,
        f"{match.company or match.domain}: {match.get_resolution_display()}, {match.account}.",
    )
    return redirect("qualification:match-review")


def _account_id(action: str, data) -> int | None:
    """The account the form names: a candidate's id, or for "another account" the domain or
    id typed into its box."""
    if action == "candidate":
        return int(data["account"]) if data.get("account", "").isdigit() else None
    if action == "other":
        text = data.get("other", "").strip()
        if text.isdigit():
            return int(text)
        found = Account.objects.filter(domain=normalize_domain(text)).values_list("pk", flat=True)
        return next(iter(found), None) if text else None
    return None
