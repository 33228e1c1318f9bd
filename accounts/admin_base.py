"""What every admin page of LeadReview shares, whichever app registers it.

- A query string no filter can mean (a NUL, a year no date has) is what Django calls a wacky
  lookup: the list answers with its own "invalid filter" redirect, never a 500.
- The database's rules (check and unique constraints) are checked by every form, those naming a
  field shown read-only too, and each refusal shows in words beside a field it names.
- A JSON field keeps the shape of its default: an object stays an object, a list a list.
- Every change to a history-tracked model asks why. The answer is the history row's reason, the
  inline rows saved with it included, and the history shows an empty old value as "—".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DataError, models, router
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.forms.models import InlineForeignKeyField
from django.utils import formats, timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

REASON = "change_reason"
EMPTY = "—"
JSON_SHAPES = {
    dict: 'Enter a JSON object in braces, such as {"role": "CFO"}; {} for none.',
    list: 'Enter a JSON list in brackets, such as ["UK", "IE"]; [] for none.',
}
# What a filter value no column can hold raises while the list is built: a year past 9999
# (ValueError, OverflowError) or a NUL, which PostgreSQL text cannot store (DataError).
_ODD_LOOKUPS = (ValueError, OverflowError, DataError)


# Lists ---------------------------------------------------------------------------------------


class _TolerantChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except _ODD_LOOKUPS as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except _ODD_LOOKUPS as error:
            raise IncorrectLookupParameters(error) from error


class OddQueriesMixin:
    """Odd filters answer as Django's wacky lookups (the list again, flagged ?e=1); a NUL in a
    search, which no stored text can contain, is dropped."""

    def get_changelist(self, request, **kwargs):
        return _TolerantChangeList

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


# Forms ---------------------------------------------------------------------------------------


def named_fields(constraint: models.BaseConstraint) -> list[str]:
    """The model fields a constraint names, in the order it names them."""
    names = list(getattr(constraint, "fields", ()))
    for expression in (
        getattr(constraint, "condition", None),
        *getattr(constraint, "expressions", ()),
    ):
        names.extend(_names_in(expression))
    return list(dict.fromkeys(names))


def _names_in(expression: Any) -> Iterator[str]:
    if isinstance(expression, Q):
        for child in expression.children:
            if isinstance(child, tuple):
                lookup, value = child
                yield lookup.split(LOOKUP_SEP)[0]
                yield from _names_in(value)
            else:
                yield from _names_in(child)
    elif isinstance(expression, F):
        yield expression.name.split(LOOKUP_SEP)[0]
    elif hasattr(expression, "get_source_expressions"):
        for source in expression.get_source_expressions():
            yield from _names_in(source)


class AdminForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.JSONField) and name in cleaned_data:
                shape = self._json_shape(name)
                if shape and not isinstance(cleaned_data[name], shape):
                    self.add_error(name, JSON_SHAPES[shape])
        return cleaned_data

    def _json_shape(self, name: str) -> type | None:
        try:
            default = self._meta.model._meta.get_field(name).default
        except FieldDoesNotExist:
            return None
        return default if default in JSON_SHAPES else None

    def _post_clean(self):
        super()._post_clean()
        self._check_rules_on_fields_not_shown()
        self._show_rule_errors_beside_fields()

    def _rules(self) -> Iterator[tuple[type[models.Model], models.BaseConstraint]]:
        for model, constraints in self.instance.get_constraints():
            for constraint in constraints:
                yield model, constraint

    def _changeable(self) -> set[str]:
        return {
            name
            for name, field in self.fields.items()
            if not isinstance(field, InlineForeignKeyField)  # the parent's, not this form's
        }

    def _home(self, constraint: models.BaseConstraint) -> str | None:
        """The field a rule's refusal shows beside: of those it names that people can change
        here, the one they just changed, else the last ("the business day must end after it
        starts" beside its end)."""
        changeable = [name for name in named_fields(constraint) if name in self._changeable()]
        changed = [name for name in changeable if name in self.changed_data]
        return (changed or changeable or [None])[-1]

    def _check_rules_on_fields_not_shown(self) -> None:
        """Django checks a rule only when the form shows every field it names. A field shown
        read-only (a lead's stage) keeps its stored value and the database still checks the rule
        when the row is saved, with a 500: check it here instead, as a form error."""
        changeable = self._changeable()
        skip = set(self._errors) | (set(self.fields) - changeable)
        for model, constraint in self._rules():
            named = set(named_fields(constraint))
            if named <= changeable or named & skip:
                continue  # Django checked it, or it hangs on a value that failed or is not ours
            try:
                constraint.validate(
                    model,
                    self.instance,
                    exclude=skip,
                    using=router.db_for_write(model, instance=self.instance),
                )
            except ValidationError as refusal:
                self.add_error(self._home(constraint), refusal)

    def _show_rule_errors_beside_fields(self) -> None:
        """Django shows a broken rule above the form; show it beside the field it names."""
        errors = self._errors.get(NON_FIELD_ERRORS)
        if not errors:
            return
        homes = {
            constraint.get_violation_error_message(): self._home(constraint)
            for _, constraint in self._rules()
        }
        moved = [error for error in errors.as_data() if homes.get(error.message)]
        if not moved:
            return
        errors.data[:] = [error for error in errors.data if error not in moved]
        if not errors:
            del self._errors[NON_FIELD_ERRORS]
        for error in moved:
            self.add_error(homes[error.message], error)


class HistoryAdminForm(AdminForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Kept in the history beside what changed, for whoever looks next.",
        error_messages={"required": "Say why you are making this change; the history keeps it."},
    )


# Admins --------------------------------------------------------------------------------------


class ModelAdmin(OddQueriesMixin, admin.ModelAdmin):
    form = AdminForm


class TabularInline(admin.TabularInline):
    form = AdminForm


class _HistoryValues(HistoricalRecordContextHelper):
    """A history row's old and new values as people read them: "—" for nothing (not "Deleted
    user (pk=None)" for an owner that was empty), times in the local zone as the admin shows
    them, a choice's label rather than its key."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return EMPTY
        if isinstance(value, dt.datetime):
            return formats.localize(
                timezone.localtime(value) if timezone.is_aware(value) else value
            )
        if isinstance(value, dt.date):
            return formats.localize(value)
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list | dict):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(OddQueriesMixin, SimpleHistoryAdmin):
    """A history-tracked model: every change through its form asks why, and the history says."""

    form = HistoryAdminForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (title, {**options, "fields": [name for name in options["fields"] if name != REASON]})
            for title, options in super().get_fieldsets(request, obj)
        ]
        may_save = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if may_save:  # a read-only view has nothing to give a reason for
            fieldsets.append((None, {"fields": [REASON]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get(REASON, "")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get(REASON, "")
        for row in formset.forms:
            row.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def get_historical_record_context_helper(self, request, historical_record):
        return _HistoryValues(self.model, historical_record)
