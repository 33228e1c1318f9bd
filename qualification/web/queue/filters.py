import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import IcpTier
from qualification.models import IntentBand, Source


class QueueFilter(django_filters.FilterSet):
    """The SAL queue's filters. Segment, territory and owner choices come from the view, which
    loads them once per request: `segments` (Segment list) and `owners` ((pk, name, role) rows)."""

    MINE = "mine"
    UNASSIGNED = "unassigned"

    segment = django_filters.ChoiceFilter(label="Segment", empty_label="All segments")
    icp_tier = django_filters.ChoiceFilter(
        field_name="fit_tier", choices=IcpTier.choices, label="ICP tier", empty_label="Any tier"
    )
    intent_band = django_filters.ChoiceFilter(
        choices=IntentBand.choices, label="Intent", empty_label="Any intent"
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label="Source", empty_label="Any source"
    )
    territory = django_filters.ChoiceFilter(
        field_name="account__territory", label="Territory", empty_label="Any territory"
    )
    owner = django_filters.ChoiceFilter(method="filter_owner", label="Owner", empty_label="Anyone")
    breached = django_filters.BooleanFilter(
        method="filter_breached", label="Breached only", widget=forms.CheckboxInput
    )

    def __init__(self, *args, segments=(), owners=(), now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.filters["segment"].extra["choices"] = [(str(s.pk), s.name) for s in segments]
        territories = sorted({t for s in segments for t in (s.territories or ())})
        self.filters["territory"].extra["choices"] = [(t, t) for t in territories]
        self.filters["owner"].extra["choices"] = [
            (self.MINE, "Mine"),
            (self.UNASSIGNED, "Unassigned"),
            *[(str(pk), name) for pk, name, _role in owners],
        ]

    @property
    def active(self) -> bool:
        """Whether any filter narrows the queue."""
        self.form.is_valid()  # cleaned_data holds the valid fields either way
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == self.MINE:
            return queryset.filter(owner_id=self.request.user.pk)
        if value == self.UNASSIGNED:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value)

    def filter_breached(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(sla_due_at__lte=self.now) if value else queryset
