"""The search page behind the header's search box: a plain GET form, so it works without
JavaScript; a query naming one record exactly redirects to that record's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.decorators import role_required
from qualification.web.search.selectors import search as search_records


@role_required(*access.RECORD_READ_ROLES)
def search(request: HttpRequest) -> HttpResponse:
    results = search_records(query=request.GET.get("q", ""), user=request.user)
    if results.jump_to:
        return redirect(results.jump_to)
    return render(request, "qualification/search.html", results.as_context())
