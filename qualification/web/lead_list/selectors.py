"""What the lead list reads: one page of the filtered leads and the count of each stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count

from qualification.models import ImportJob, ImportRow, Stage
from qualification.web.lead_list.filters import LeadListFilter

PAGE_SIZE = 50


@dataclass(frozen=True)
class LeadListPage:
    filters: LeadListFilter
    page: Page
    now: dt.datetime
    stage_counts: list[tuple[str, int]]  # the stages the filters match, in pipeline order
    from_import: ImportJob | None  # the list shows the leads one import wrote
    import_outcome: str | None  # …and which of them, in words

    def as_context(self) -> dict:
        return {
            "filters": self.filters,
            "page": self.page,
            "now": self.now,
            "stage_counts": self.stage_counts,
            "from_import": self.from_import,
            "import_outcome": self.import_outcome,
        }


def lead_list_page(
    *, filters: LeadListFilter, page_number: str | None, now: dt.datetime
) -> LeadListPage:
    by_stage = dict(
        filters.qs.order_by()
        .values("stage")
        .annotate(count=Count("pk"))
        .values_list("stage", "count")
    )
    paginator = Paginator(filters.qs, PAGE_SIZE)
    paginator.count = sum(by_stage.values())  # the same rows: spare a second COUNT(*)
    outcome = filters.form.cleaned_data.get("outcome")
    return LeadListPage(
        filters=filters,
        page=paginator.get_page(page_number),
        now=now,
        stage_counts=[(stage, by_stage[stage]) for stage in Stage.values if stage in by_stage],
        from_import=filters.form.cleaned_data.get("import_job"),
        import_outcome=outcome and ImportRow.Outcome(outcome).label,
    )
