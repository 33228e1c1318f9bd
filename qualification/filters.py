"""Filters for lead lists. They read GET parameters, so a filtered list is a shareable URL."""

import django_filters
from django.db.models import QuerySet

from .models import Stage


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

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == self.MINE:
            return queryset.filter(owner=self.request.user)
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # With no stage chosen the list shows the open pipeline, not closed leads too.
        if not self.form.cleaned_data.get("stage"):
            queryset = queryset.open()
        return super().filter_queryset(queryset)
