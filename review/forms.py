import datetime as dt

from django import forms
from django.db import models
from django.utils import timezone

from qualification.models import IcpRule, ReasonCode, ScoringRule, Segment, Stage
from review.metrics import DEFAULT_DIMENSION, DIMENSIONS
from review.models import Decision, RuleChangeProposal
from review.services import (
    DEFAULT_SIZE,
    MAX_SIZE,
    MIN_SIZE,
    PROPOSAL_FIELDS,
    TARGET_FIELD,
    Unfinished,
    field_label,
)


class OpenSessionForm(forms.Form):
    month = forms.CharField(
        label="Month under review",
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text="Year and month, such as 2026-10 (YYYY-MM).",
    )
    size = forms.IntegerField(
        label="Leads to sample", min_value=MIN_SIZE, max_value=MAX_SIZE, initial=DEFAULT_SIZE
    )

    def clean_month(self) -> dt.date:
        text = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError("Give the month as YYYY-MM.") from None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(d.value, d.label) for d in Decision if d != Decision.PENDING],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    overturn_to = forms.ChoiceField(
        label="Move the lead to", required=False, choices=[("", "—")] + Stage.choices
    )
    reason_code = forms.ModelChoiceField(
        label="Reason code", required=False, queryset=ReasonCode.objects.filter(active=True)
    )
    recycle_on = forms.DateField(
        label="Recycle on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


PROPOSAL_TARGETS = {
    RuleChangeProposal.Kind.THRESHOLD: Segment,
    RuleChangeProposal.Kind.SCORING_WEIGHT: ScoringRule,
    RuleChangeProposal.Kind.ICP_RULE: IcpRule,
    RuleChangeProposal.Kind.REASON_CODE: ReasonCode,
}


def _field_choices() -> list[tuple[str, str]]:
    """Each field a proposal may change, labelled with its verbose name on the rule."""
    choices: dict[str, str] = {}
    for kind, fields in PROPOSAL_FIELDS.items():
        _, model = TARGET_FIELD[kind]
        for name in fields:
            label = field_label(kind, name)
            if isinstance(model._meta.get_field(name), models.BooleanField):
                label += " (yes / no)"
            choices.setdefault(name, label)
    return list(choices.items())


FIELD_CHOICES = _field_choices()


def target_choices() -> list:
    """One select over every rule a proposal may change, grouped by kind; values `kind:pk`."""
    groups = []
    for kind, model in PROPOSAL_TARGETS.items():
        options = [(f"{kind.value}:{obj.pk}", str(obj)) for obj in model.objects.all()]
        groups.append((kind.label, options))
    return [("", "Choose a rule…")] + groups


class ProposalForm(forms.Form):
    target = forms.ChoiceField(label="Rule")
    field = forms.ChoiceField(label="Change", choices=FIELD_CHOICES)
    value = forms.CharField(label="To", max_length=100)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    item = forms.TypedChoiceField(label="From lead", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = target_choices()
        self.fields["item"].choices = [("", "— (the whole session)")] + [
            (item.pk, f"#{item.position} {item.lead.contact}") for item in items
        ]

    def clean_target(self):
        kind, _, pk = self.cleaned_data["target"].partition(":")
        model = PROPOSAL_TARGETS.get(kind)
        obj = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
        if obj is None:
            raise forms.ValidationError("Choose a rule.")
        return kind, obj


class DeclineForm(forms.Form):
    note = forms.CharField(label="Why not", widget=forms.Textarea(attrs={"rows": 1}))


class CloseForm(forms.Form):
    """The numbers a manager confirmed when closing a session with work left (none at first)."""

    undecided = forms.IntegerField(required=False, min_value=0)
    pending = forms.IntegerField(required=False, min_value=0)

    def confirmed(self) -> Unfinished | None:
        leads, proposals = self.cleaned_data["undecided"], self.cleaned_data["pending"]
        if leads is None and proposals is None:
            return None
        return Unfinished(leads=leads or 0, proposals=proposals or 0)


class MetricsForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(
        label="Segment by",
        choices=[(key, spec[0]) for key, spec in DIMENSIONS.items()],
        initial=DEFAULT_DIMENSION,
    )

    MAX_DAYS = 366
    # No lead predates the app by decades, and a period far ahead would overflow the date
    # arithmetic (9999-12-31 + 1 day): dates outside this window are refused beside the field.
    EARLIEST = dt.date(2000, 1, 1)
    MAX_DAYS_AHEAD = 366

    @classmethod
    def from_query(cls, query) -> "MetricsForm":
        today = timezone.localdate()
        data = {
            "start": (today - dt.timedelta(days=89)).isoformat(),
            "end": today.isoformat(),
            "by": DEFAULT_DIMENSION,
        }
        data.update({key: query[key] for key in data if query.get(key)})
        return cls(data)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.latest().isoformat()
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(min=self.EARLIEST.isoformat(), max=latest)

    @classmethod
    def latest(cls) -> dt.date:
        return timezone.localdate() + dt.timedelta(days=cls.MAX_DAYS_AHEAD)

    def _in_window(self, name: str) -> dt.date:
        value = self.cleaned_data[name]
        if not self.EARLIEST <= value <= self.latest():
            raise forms.ValidationError(
                f"Choose a date from {self.EARLIEST:%-d %b %Y} to {self.latest():%-d %b %Y}."
            )
        return value

    def clean_start(self) -> dt.date:
        return self._in_window("start")

    def clean_end(self) -> dt.date:
        return self._in_window("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The period ends before it starts: choose a later date.")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("end", "Choose a period of a year or less.")
        return cleaned
