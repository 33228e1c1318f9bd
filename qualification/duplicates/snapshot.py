"""Rows as a merge found and left them, in JSON, so an undo can compare and write them back.

Values are stored exactly (a datetime to the microsecond, a Decimal as text) and read back
with each field's own `to_python`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.db import models


def _auto_now(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False))


def columns(instance: models.Model) -> list[models.Field]:
    """The row's concrete columns but its own write clock (`auto_now`), which any save moves,
    and the columns the database computes (Contact.email_key follows the email)."""
    return [
        f
        for f in instance._meta.concrete_fields
        if not _auto_now(f) and not f.primary_key and not f.generated
    ]


def dump(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def state(instance: models.Model, attnames: list[str] | None = None) -> dict:
    """`attnames` of the row (every column by default) as JSON values."""
    fields = columns(instance)
    if attnames is not None:
        fields = [f for f in fields if f.attname in attnames]
    return {f.attname: dump(getattr(instance, f.attname)) for f in fields}


def load(model: type[models.Model], values: dict) -> dict:
    """JSON values back to what the model's fields hold."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    loaded = {}
    for attname, value in values.items():
        field = fields[attname]
        if value is None or isinstance(field, models.JSONField):
            loaded[attname] = value
        elif isinstance(field, models.ForeignKey):
            loaded[attname] = field.target_field.to_python(value)
        else:
            loaded[attname] = field.to_python(value)
    return loaded


def model_label(instance: models.Model) -> str:
    return instance._meta.label_lower


def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)


class Recorder:
    """Writes rows for a merge and remembers, in order, what each write changed."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def write(
        self,
        instance: models.Model,
        changes: dict,
        *,
        reason: str = "",
        compare: str = "row",
        watch: tuple[str, ...] = (),
        apply=None,
        **history,
    ) -> None:
        """Set `changes` (attname: value) on `instance` and save only those columns.

        `compare` is what undo checks before writing the old values back: "row" (every column
        must be as the merge left it: the rows that moved) or "changed" (only the columns the
        merge wrote, and `watch`: a lead or contact that goes on living its life). `apply`, if
        given, is called after the values are set (the owner's one writer)."""
        before = state(instance, list(changes))
        for attname, value in changes.items():
            setattr(instance, attname, value)
        if apply is not None:
            apply()
        if reason:
            instance._change_reason = reason
        for name, value in history.items():
            setattr(instance, f"_history_{name}", value)
        update = [f.attname for f in columns(instance) if f.attname in changes]
        update += [f.attname for f in instance._meta.concrete_fields if _auto_now(f)]
        instance.save(update_fields=update)
        self.record(instance, before, compare=compare, after_fields=[*changes, *watch])

    def record(
        self,
        instance: models.Model,
        before: dict,
        *,
        compare: str,
        after_fields: list[str],
        engine: bool = False,
    ) -> None:
        after = state(instance) if compare == "row" else state(instance, after_fields)
        self.entries.append(
            {
                "model": model_label(instance),
                "pk": instance.pk,
                "before": before,
                "after": after,
                "engine": engine,
                "compare": compare,
            }
        )
