"""Filters for lead lists. They read GET parameters, so a filtered list is a shareable URL."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from qualification.models import ImportJob, ImportRow, Stage


class LeadListFilter(django_filters.FilterSet):
    MINE = "mine"
    EVERYONE = "all"

    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, empty_label="Open (new to opportunity)", label="Stage"
    )
    owner = django_filters.ChoiceFilter(
        choices=[(MINE, "Mine"), (EVERYONE, "Everyone's")],
        empty_label=None,
        method="filter_owner",
        label="Owner",
    )

    OVERDUE = "overdue"
    WEEK = "week"
    NONE = "none"
    due = django_filters.ChoiceFilter(
        choices=[
            (OVERDUE, "Overdue"),
            (WEEK, "Due in the next 7 days"),
            (NONE, "No next action date"),
        ],
        empty_label="Any time",
        method="filter_due",
        label="Next action",
    )
    BY_STAGE = "stage"
    NEWEST = "newest"
    order = django_filters.ChoiceFilter(
        choices=[(BY_STAGE, "By stage, due first"), (NEWEST, "Newest first")],
        empty_label=None,
        method="order_by",
        label="Order",
    )

    # The leads one import wrote (the import page's "where the leads went" links here).
    import_job = django_filters.ModelChoiceFilter(
        queryset=ImportJob.objects.all(),
        widget=forms.HiddenInput,
        method="filter_import",
        label="Import",
    )
    outcome = django_filters.ChoiceFilter(
        choices=[(o.value, o.label) for o in ImportRow.Outcome if o != ImportRow.Outcome.REFUSED],
        widget=forms.HiddenInput,
        method="filter_import",
        label="What the import did",
    )

    def filter_import(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # both parameters together, in filter_queryset

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == self.MINE:
            return queryset.filter(owner=self.request.user)
        return queryset

    def filter_due(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == self.OVERDUE:
            return queryset.filter(next_action_due__lt=today)
        if value == self.WEEK:
            return queryset.filter(
                next_action_due__gte=today, next_action_due__lte=today + dt.timedelta(days=7)
            )
        if value == self.NONE:
            return queryset.filter(next_action_due__isnull=True)
        return queryset

    def order_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value != self.BY_STAGE:
            return queryset
        # The pipeline's order, furthest along first is not what an AE works from: earliest
        # stage first, and within a stage the most urgent next action.
        pipeline = Case(
            *[When(stage=stage, then=Value(rank)) for rank, stage in enumerate(Stage.values)],
            output_field=IntegerField(),
        )
        return queryset.order_by(
            pipeline, F("next_action_due").asc(nulls_last=True), "-created_at", "-pk"
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # With no stage chosen the list shows the open pipeline, not closed leads too.
        if not self.form.cleaned_data.get("stage"):
            queryset = queryset.open()
        if "import_job" in self.form.errors:
            return queryset.none()  # an import that does not exist wrote no leads
        job = self.form.cleaned_data.get("import_job")
        if job is not None:
            rows = ImportRow.objects.filter(job=job, lead__isnull=False)
            if outcome := self.form.cleaned_data.get("outcome"):
                rows = rows.filter(outcome=outcome)
            queryset = queryset.filter(pk__in=rows.values("lead_id"))
        return super().filter_queryset(queryset)
