"""The account page: everything known about one company, read-only, for every role."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import roles
from accounts.decorators import role_required
from qualification.web.account_page.selectors import account_page, load_account


@role_required(*roles.ROLES)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = account_page(account=load_account(pk), user=request.user)
    return render(request, "qualification/account_detail.html", page.as_context())
