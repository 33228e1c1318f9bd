"""JSON intake for web forms: POST /api/intake/leads/ with a per-source bearer token.

A token acts only inside its source: the source's segment, the activity kinds it declares, and
an answer that says nothing about the person beyond what was sent (a known email and a new one
get the same 202 with the lead's id). The request carries an Idempotency-Key; a retried post
with the same key and body gets the first answer and creates nothing, the same key with another
body is a 422. Bad input gets a 400 with field errors and writes nothing. The lead goes through
the same intake as a CSV row, then is scored and routed after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from qualification.intake.rows import LeadRow
from qualification.models import (
    Activity,
    IntakeSource,
    activity_time_problem,
)

MAX_BODY_BYTES = 64 * 1024


MAX_ACTIVITIES = 100


# The body is an object holding objects and lists of objects: three levels. Deeper is not a
# form, and unbounded depth would exhaust the recursion of whatever walks it next.
MAX_NESTING = 10


TEXT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "website",
    "title",
    "phone",
    "country",
    "industry",
    "employees",
    "source",
)


ACTIVITY_KINDS = frozenset(Activity.Kind.values)


KIND_LABELS = dict(Activity.Kind.choices)


class NotANumber(ValueError):
    """NaN and ±Infinity: Python's JSON reader takes them, JSON does not."""


def refuse_constant(name: str):
    raise NotANumber(f"{name} is not a number")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(source: IntakeSource) -> str:
    """A new secret for the source; only its hash is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    source.token_hash = hash_token(token)
    return token


def nested_deeper_than(value, limit: int) -> bool:
    """Whether the JSON value holds lists or objects more than `limit` levels deep; walked
    with a stack, so a deep value cannot exhaust the recursion it is checked for."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _storable(value) -> bool:
    """False when some string in the JSON holds what PostgreSQL cannot store: a NUL character,
    or a lone surrogate (valid in JSON's \\u escapes, not in UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode()
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def row_from(
    payload, *, source: IntakeSource, now: dt.datetime
) -> tuple[LeadRow | None, dict[str, list[str]]]:
    if not isinstance(payload, dict):
        return None, {"__all__": ["the body must be a JSON object"]}
    if not _storable(payload):
        return None, {"__all__": ["text must not contain NUL characters or lone surrogates"]}
    errors: dict[str, list[str]] = {}
    # No segment field: a token's leads go to its source's segment, nowhere else.
    unknown = set(payload) - {*TEXT_FIELDS, "form_answers", "activities"}
    for name in sorted(unknown):
        errors[name] = ["is not a field this endpoint takes"]
    row = LeadRow(line=1)
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[name] = ["must be a string"]
        else:
            setattr(row, name, value)
    if "email" not in errors and not row.email.strip():
        errors["email"] = ["is required"]
    answers = payload.get("form_answers", {})
    if not isinstance(answers, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in answers.items()
    ):
        errors["form_answers"] = ["must be an object of question → text answer"]
    else:
        row.answers = {k: str(v) for k, v in answers.items()}
    activities = payload.get("activities", [])
    if not isinstance(activities, list) or len(activities) > MAX_ACTIVITIES:
        errors["activities"] = [f"must be a list of at most {MAX_ACTIVITIES} activities"]
    else:
        allowed = frozenset(source.activity_kinds)
        for index, item in enumerate(activities):
            activity, problem = _activity_from(item, allowed=allowed, now=now)
            if problem:
                errors.setdefault("activities", []).append(f"item {index}: {problem}")
            else:
                row.activities.append(activity)
    return (None, errors) if errors else (row, {})


def _activity_from(
    item, *, allowed: frozenset[str], now: dt.datetime
) -> tuple[tuple[str, dt.datetime] | None, str | None]:
    """One activity of the body as (kind, time), or why it cannot be taken."""
    if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
        return None, "needs a kind and an occurred_at"
    kind = item["kind"]
    if kind not in ACTIVITY_KINDS:
        return None, f"“{kind[:40]}” is not an activity kind"
    if kind not in allowed:
        # Sales touches (meetings, calls) come from sales, not from a form.
        return None, f"this source may not send “{KIND_LABELS[kind]}” activities"
    when = item.get("occurred_at")
    try:
        moment = parse_datetime(when) if isinstance(when, str) else None
    except ValueError:  # well formed but impossible: month 13, an offset of +99:00
        moment = None
    if moment is None or timezone.is_naive(moment):
        return None, "occurred_at must be an ISO 8601 time with a time zone"
    problem = activity_time_problem(moment, now=now)
    if problem:
        return None, f"occurred_at is {problem}"
    return (kind, moment), None
