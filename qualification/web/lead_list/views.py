from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from accounts import access, roles
from accounts.decorators import role_required
from qualification.models import ImportRow, Lead, Stage
from qualification.web.lead_list.filters import LeadListFilter

PAGE_SIZE = 50


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
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    by_stage = dict(
        filters.qs.order_by()
        .values("stage")
        .annotate(count=Count("pk"))
        .values_list("stage", "count")
    )
    stage_counts = [(stage, by_stage[stage]) for stage in Stage.values if stage in by_stage]
    outcome = filters.form.cleaned_data.get("outcome")
    context = {
        "filters": filters,
        "page": page,
        "now": timezone.now(),
        "stage_counts": stage_counts,
        "from_import": filters.form.cleaned_data.get("import_job"),
        "import_outcome": outcome and ImportRow.Outcome(outcome).label,
    }
    template = "qualification/lead_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-results"
    return render(request, template, context)
