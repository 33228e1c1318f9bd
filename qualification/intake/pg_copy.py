"""Insert or update many rows fast, with their history rows, by PostgreSQL's COPY.

Django's bulk_create compiles every value through the ORM and quotes it client-side, about a
thousand rows a second for a wide model with history; bulk_update builds one CASE WHEN per
field and row. Here ids are reserved from the table's sequence in one query (so children can
point at their parents before anything is written), then rows and history rows stream in with
COPY; updates stream into a temporary table and land with one UPDATE … FROM. On other databases
both fall back to simple-history's bulk_create_with_history and bulk_update_with_history, which
give the same rows more slowly.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.fields import NormalizedCharField


def insert(
    objs: list[models.Model],
    *,
    history: bool = False,
    history_user=None,
    history_date: dt.datetime | None = None,
) -> None:
    """Insert new `objs` (one model), giving each its pk; with `history`, one '+' history row
    each, carrying the object's `_change_reason` and `_history_user` as save() would."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        if history:
            bulk_create_with_history(
                objs, model, default_user=history_user, default_date=history_date
            )
        else:
            model.objects.bulk_create(objs)
        return

    fields = [f for f in model._meta.concrete_fields if not f.generated]
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
    parents = [f for f in fields if f.is_relation and f.many_to_one]
    # One reader per column: pre_save where it normalises or stamps, else the attribute.
    readers = [
        (lambda obj, f=f: f.pre_save(obj, add=True))
        if _needs_pre_save(f)
        else operator.attrgetter(f.attname)
        for f in fields
    ]
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    rows = []
    for obj in objs:
        _link_parents(obj, parents)
        row = [read(obj) for read in readers]
        for index in json_columns:
            row[index] = _value(fields[index], row[index])
        rows.append(row)
        obj._state.adding = False
        obj._state.db = connection.alias

    _copy(model._meta.db_table, [f.column for f in fields], rows)
    if history:
        positions = {f.attname: i for i, f in enumerate(fields)}
        _copy_history(model, objs, rows, positions, history_user, history_date or timezone.now())


def update(
    objs: list[models.Model],
    names: Sequence[str],
    *,
    history_user=None,
    change_reason: str = "",
    history_date: dt.datetime | None = None,
) -> None:
    """Write the fields `names` of saved `objs` (one model) and one '~' history row each, with
    the object's `_change_reason` (else `change_reason`) and `_history_user` as save() would."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        bulk_update_with_history(
            objs,
            model,
            list(names),
            default_user=history_user,
            default_change_reason=change_reason,
            default_date=history_date,
        )
        return

    fields = [f for f in model._meta.concrete_fields if not f.generated]
    parents = [f for f in fields if f.is_relation and f.many_to_one]
    for obj in objs:
        _link_parents(obj, parents)
    rows = [[_value(field, getattr(obj, field.attname)) for field in fields] for obj in objs]
    positions = {f.attname: i for i, f in enumerate(fields)}
    changed = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    columns = [model._meta.pk.column] + [f.column for f in changed]
    quoted = [connection.ops.quote_name(c) for c in columns]
    indexes = [positions[model._meta.pk.attname]] + [positions[f.attname] for f in changed]
    assignments = ", ".join(f"{column} = u.{column}" for column in quoted[1:])
    for obj in objs:
        if not getattr(obj, "_change_reason", None):
            obj._change_reason = change_reason
    # One transaction: the temporary table lives until its end, and rows and history go
    # together.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE bulk_update_rows ON COMMIT DROP AS "
                f"SELECT {', '.join(quoted)} FROM {table} WITH NO DATA"
            )
        _copy("bulk_update_rows", columns, [[row[i] for i in indexes] for row in rows])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} t SET {assignments} FROM bulk_update_rows u WHERE t.{pk} = u.{pk}"
            )
            cursor.execute("DROP TABLE bulk_update_rows")
        _copy_history(
            model, objs, rows, positions, history_user, history_date or timezone.now(), kind="~"
        )


def insert_values(model: type[models.Model], names: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain value tuples (no model instances, no history): for wide append-only tables
    like an import's report, where building a model per row is the cost."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows])
        return
    _copy(model._meta.db_table, [model._meta.get_field(name).column for name in names], rows)


def _value(field: models.Field, value):
    """A value as COPY takes it: JSON wrapped so psycopg sends it as jsonb."""
    if value is not None and isinstance(field, models.JSONField):
        return Jsonb(value)
    return value


def _needs_pre_save(field: models.Field) -> bool:
    return (
        isinstance(field, NormalizedCharField)
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def _link_parents(obj: models.Model, parents: Sequence[models.Field]) -> None:
    """Copy saved parents' ids into the FK columns (what save() does for you)."""
    for field in parents:
        if field.is_cached(obj):
            parent = field.get_cached_value(obj)
            if parent is not None and getattr(obj, field.attname) is None:
                setattr(obj, field.attname, parent.pk)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_history(model, objs, rows, positions, default_user, when, kind="+") -> None:
    historical = model.history.model
    tracked = [positions[f.attname] for f in historical.tracked_fields]
    columns = [f.column for f in historical.tracked_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    data = []
    for obj, row in zip(objs, rows, strict=True):
        user = getattr(obj, "_history_user", None) or default_user
        data.append(
            [row[index] for index in tracked]
            + [when, getattr(obj, "_change_reason", None), kind, user.pk if user else None]
        )
    _copy(historical._meta.db_table, columns + extra, data)


def _copy(table: str, columns: list[str], data: Sequence[Sequence]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    # Django wraps execute() but not copy(): without this a unique index answers with psycopg's
    # own UniqueViolation, which `except IntegrityError` does not catch.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for values in data:
            copy.write_row(values)
