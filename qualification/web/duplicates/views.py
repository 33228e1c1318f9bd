"""The duplicates review: pairs side by side, merge, not a duplicate, and undo."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.decorators import role_required
from qualification.duplicates.candidates import CandidateClosed, mark_not_duplicate
from qualification.duplicates.merge import UndoRefused, merge_leads, undo_merge
from qualification.lifecycle.evidence import NON_FIELD, TransitionRefused
from qualification.web.duplicates.forms import MergeForm
from qualification.web.duplicates.selectors import (
    duplicates_page,
    load_merge,
    merge_page,
    pair_view,
)

REVIEWERS = (roles.SDR, roles.MANAGER, roles.REVOPS)


@role_required(*REVIEWERS)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    page = duplicates_page(user=request.user, page_number=request.GET.get("page"))
    return render(request, "qualification/duplicates/list.html", page.as_context())


def _pair_page(request, pair, form, status=200) -> HttpResponse:
    context = {"pair": pair, "form": form}
    return render(request, "qualification/duplicates/pair.html", context, status=status)


@role_required(*REVIEWERS)
def duplicate_pair(request: HttpRequest, pk: int) -> HttpResponse:
    pair = pair_view(pk=pk, user=request.user)
    return _pair_page(request, pair, MergeForm(pair=pair))


@require_POST
@role_required(*REVIEWERS)
def merge_pair(request: HttpRequest, pk: int) -> HttpResponse:
    pair = pair_view(pk=pk, user=request.user)
    form = MergeForm(request.POST, pair=pair)
    if not form.is_valid():
        return _pair_page(request, pair, form, status=422)
    try:
        merge = merge_leads(actor=request.user, candidate=pair.candidate, **form.merge_arguments())
    except CandidateClosed as closed:
        form.add_error(None, str(closed).capitalize())
        return _pair_page(request, pair, form, status=409)
    except TransitionRefused as refused:
        for field, errors in refused.errors.items():
            target = field if field in form.fields and field != NON_FIELD else None
            if target is None and f"take_{field}" in form.fields:
                target = f"take_{field}"
            for error in errors:
                form.add_error(target, error[:1].upper() + error[1:])
        return _pair_page(request, pair, form, status=422)
    messages.success(
        request,
        f"Merged lead #{merge.merged_id} into #{merge.survivor_id}. You can undo it here while "
        "nothing it moved has changed.",
    )
    return redirect("qualification:duplicate-merge", pk=merge.pk)


@require_POST
@role_required(*REVIEWERS)
def not_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    pair = pair_view(pk=pk, user=request.user)
    try:
        mark_not_duplicate(candidate=pair.candidate, actor=request.user)
    except CandidateClosed as closed:
        messages.error(request, str(closed).capitalize())
        return redirect("qualification:duplicates")
    messages.success(
        request,
        f"{pair.a.contact} (#{pair.a.pk}) and {pair.b.contact} (#{pair.b.pk}) are not "
        "duplicates: this pair will not be suggested again.",
    )
    return redirect("qualification:duplicates")


@role_required(*REVIEWERS)
def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = merge_page(merge=load_merge(pk=pk, user=request.user))
    return render(request, "qualification/duplicates/merge.html", page.as_context())


@require_POST
@role_required(*REVIEWERS)
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = load_merge(pk=pk, user=request.user)
    try:
        undo_merge(merge=merge, actor=request.user, reason=request.POST.get("reason", ""))
    except UndoRefused as refused:
        context = merge_page(merge=merge).as_context() | {"refused": refused.reasons}
        return render(request, "qualification/duplicates/merge.html", context, status=409)
    messages.success(
        request,
        f"Merge undone: lead #{merge.merged_id} and lead #{merge.survivor_id} are as they were.",
    )
    return redirect(reverse("qualification:lead-detail", args=[merge.merged_id]))
