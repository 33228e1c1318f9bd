"""The merge form: which lead survives, whose value wins per field, and why."""

from __future__ import annotations

from django import forms

from qualification.duplicates.merge import MERGED, SURVIVOR, default_winners
from qualification.web.duplicates.selectors import PairView


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(
        label="Keep",
        widget=forms.RadioSelect,
        error_messages={"required": "choose the lead to keep", "invalid_choice": "choose A or B"},
    )
    reason = forms.CharField(
        label="Why these are the same",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "say why these are the same lead"},
    )

    def __init__(self, *args, pair: PairView, **kwargs):
        super().__init__(*args, **kwargs)
        self.pair = pair
        a, b = pair.a, pair.b
        self.by_pk = {str(a.pk): a, str(b.pk): b}
        self.fields["survivor"].choices = [(str(a.pk), "A"), (str(b.pk), "B")]
        survivor, merged = pair.default_survivor, pair.default_merged
        self.initial.setdefault("survivor", str(survivor.pk))
        defaults = default_winners(survivor, merged)
        self.choice_rows = []
        for row in pair.rows:
            if not (row.choosable and row.differs):
                continue
            name = f"take_{row.key}"
            self.fields[name] = forms.ChoiceField(
                label=row.label,
                choices=[(str(a.pk), "A"), (str(b.pk), "B")],
                widget=forms.RadioSelect,
                required=False,
            )
            winner = survivor if defaults.get(row.key, SURVIVOR) == SURVIVOR else merged
            self.initial.setdefault(name, str(winner.pk))
            self.choice_rows.append(row.key)

    def rows(self):
        """The comparison rows with their field (or None) for the template."""
        return [
            (row, self[f"take_{row.key}"] if row.key in self.choice_rows else None)
            for row in self.pair.rows
        ]

    def merge_arguments(self) -> dict:
        survivor = self.by_pk[self.cleaned_data["survivor"]]
        merged = self.pair.b if survivor is self.pair.a else self.pair.a
        winners = {}
        for key in self.choice_rows:
            chosen = self.cleaned_data.get(f"take_{key}")
            if chosen:
                winners[key] = SURVIVOR if chosen == str(survivor.pk) else MERGED
        return {
            "survivor": survivor,
            "merged": merged,
            "winners": winners,
            "reason": self.cleaned_data["reason"],
        }
