"""Forms that parse what a person typed. The rules live in the transition table: these forms
only turn text into values (a user, a date, a lead), and leave "is it enough?" to the engine."""

from __future__ import annotations

import re

from django import forms

from qualification.models import Lead
from qualification.web.queue.services import is_owner_role, owner_candidates, rejection_codes

_LEAD_NUMBER = re.compile(r"(?:^#?|/leads/)(\d+)/?$")


class _ActionForm(forms.Form):
    """A queue action's form; `actor` is who posts it."""

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor


class AcceptForm(_ActionForm):
    owner = forms.IntegerField(error_messages={"required": "an owner is required"})
    icp_confirmed = forms.BooleanField(required=False, label="ICP confirmed at account level")
    next_action = forms.CharField(required=False, max_length=255)
    next_action_due = forms.DateField(
        required=False, error_messages={"invalid": "enter the due date as YYYY-MM-DD"}
    )

    def clean_owner(self):
        """An active SDR or AE. Most often the SDR accepting, already loaded with their roles."""
        pk = self.cleaned_data["owner"]
        actor = self.actor
        if actor is not None and actor.pk == pk and actor.is_active and is_owner_role(actor):
            return actor
        owner = owner_candidates().filter(pk=pk).first()
        if owner is None:
            raise forms.ValidationError("choose an active SDR or AE as the owner")
        return owner


class RejectForm(_ActionForm):
    reason_code = forms.ModelChoiceField(
        queryset=rejection_codes(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": "that reason code does not apply to a rejection"},
    )
    note = forms.CharField(required=False, max_length=2000)
    recycle_on = forms.DateField(
        required=False, error_messages={"invalid": "enter the recycle date as YYYY-MM-DD"}
    )
    duplicate_of = forms.CharField(required=False, max_length=200, label="Surviving lead")

    def clean_duplicate_of(self) -> Lead | None:
        """The surviving lead, by its number ("123", "#123") or its page's address."""
        text = self.cleaned_data["duplicate_of"].strip()
        if not text:
            return None
        match = _LEAD_NUMBER.search(text)
        if match is None:
            raise forms.ValidationError("give the surviving lead’s number, e.g. 1234")
        lead = Lead.objects.filter(pk=int(match.group(1))).first()
        if lead is None:
            raise forms.ValidationError(f"there is no lead #{match.group(1)}")
        return lead
