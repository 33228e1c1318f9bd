from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from accounts import access, roles
from accounts.decorators import role_required
from qualification.models import Lead
from qualification.web.lead_list.filters import LeadListFilter
from qualification.web.lead_list.selectors import lead_list_page


def home(request: HttpRequest) -> HttpResponse:
    url = access.home_url(request.user)
    if url is None:
        return render(request, "home.html")
    return redirect(url)


@role_required(*access.LEAD_LIST.roles)
@vary_on_headers("HX-Request")
def lead_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    # An AE works their own book; everyone else starts from the whole pipeline.
    mine = roles.AE in roles.user_roles(request.user)
    if "owner" not in data:
        data["owner"] = LeadListFilter.MINE if mine else LeadListFilter.EVERYONE
    if "order" not in data:
        data["order"] = LeadListFilter.BY_STAGE if mine else LeadListFilter.NEWEST
    filters = LeadListFilter(
        data, queryset=Lead.objects.with_brief().order_by("-created_at", "-pk"), request=request
    )
    listing = lead_list_page(
        filters=filters, page_number=request.GET.get("page"), now=timezone.now()
    )
    template = "qualification/lead_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-results"
    return render(request, template, listing.as_context())
