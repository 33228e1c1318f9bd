"""JSON intake for web forms: POST /api/intake/leads/ with a per-source bearer token.

A token acts only inside its source: the source's segment, the activity kinds it declares, and
an answer that says nothing about the person beyond what was sent (a known email and a new one
get the same 202 with the lead's id). The request carries an Idempotency-Key; a retried post
with the same key and body gets the first answer and creates nothing, the same key with another
body is a 422. Bad input gets a 400 with field errors and writes nothing. The lead goes through
the same intake as a CSV row, then is scored and routed after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .enqueue import enqueue
from .intake import LeadRow, ingest
from .models import Activity, ImportRow, IntakeRequest, IntakeSource, activity_time_problem
from .tasks import score_and_route

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


def _refuse_constant(name: str):
    raise NotANumber(f"{name} is not a number")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(source: IntakeSource) -> str:
    """A new secret for the source; only its hash is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    source.token_hash = hash_token(token)
    return token


def _error(status: int, errors: dict[str, list[str]], **headers) -> JsonResponse:
    response = JsonResponse({"errors": errors}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _authenticate(request: HttpRequest) -> IntakeSource | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return (
        IntakeSource.objects.select_related("segment")
        .filter(token_hash=hash_token(token.strip()), active=True)
        .first()
    )


def _answer(record: IntakeRequest, *, replayed: bool, queued: bool = True) -> JsonResponse:
    # The same answer whether the email was new or known: the stage, the score or even
    # "merged" would tell whoever holds a form's token where a person stands in the pipeline.
    body = {"id": record.lead_id, "status": "accepted"}
    if not queued:
        # The lead is saved; only its scoring waits. The nightly rescore picks it up.
        body["scoring"] = "pending: the job queue is unreachable; the nightly rescore will score it"
    response = JsonResponse(body, status=202)
    if replayed:
        # A replay is the first answer, byte for byte; only this header tells them apart.
        response["Idempotent-Replayed"] = "true"
    return response


def _replay(record: IntakeRequest, *, body_hash: str) -> JsonResponse:
    """The first answer again, unless the key comes back with another body: answering as if it
    had been taken would silently drop what the new body says. A key stored before bodies
    were hashed has nothing to compare with, so it replays."""
    if record.body_hash and record.body_hash != body_hash:
        return _error(422, {"Idempotency-Key": ["key reused with a different body"]})
    return _answer(record, replayed=True)


def _nested_deeper_than(value, limit: int) -> bool:
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


def _row_from(
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


@csrf_exempt  # authenticated by bearer token, not a browser session
@login_not_required
@require_POST
def intake_lead(request: HttpRequest) -> JsonResponse:
    source = _authenticate(request)
    if source is None:
        return _error(
            401,
            {"__all__": ["a valid bearer token is required"]},
            **{"WWW-Authenticate": 'Bearer realm="intake"'},
        )
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return _error(400, {"Idempotency-Key": ["a header of 1 to 100 characters is required"]})
    # The bytes as sent: a retry sends the same ones.
    body_hash = hashlib.sha256(request.body).hexdigest()
    done = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
    if done is not None:
        return _replay(done, body_hash=body_hash)
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, {"__all__": [f"the body is over {MAX_BODY_BYTES // 1024} KB"]})
    too_deep = _error(400, {"__all__": ["the body is nested too deeply"]})
    try:
        payload = json.loads(request.body or b"null", parse_constant=_refuse_constant)
    except NotANumber as refused:
        return _error(400, {"__all__": [f"the body is not valid JSON: {refused}"]})
    except RecursionError:
        return too_deep
    except (ValueError, UnicodeDecodeError):
        return _error(400, {"__all__": ["the body is not valid JSON"]})
    if _nested_deeper_than(payload, MAX_NESTING):
        return too_deep
    now = timezone.now()
    row, errors = _row_from(payload, source=source, now=now)
    if errors:
        return _error(400, errors)

    queued: list[bool] = []  # filled after commit: was scoring handed to the broker?
    try:
        with transaction.atomic():
            (result,) = ingest(
                [row],
                segment=source.segment,
                source_system=f"intake:{source.name}",
                default_source=source.default_source,
                now=now,
            )
            if result.outcome == ImportRow.Outcome.REFUSED:
                return _error(400, result.errors or {"__all__": [result.message]})
            record = IntakeRequest.objects.create(
                source=source,
                idempotency_key=key,
                lead=result.lead,
                outcome=result.outcome,
                body_hash=body_hash,
            )
            lead_ids = [result.lead.pk]
            transaction.on_commit(lambda: queued.append(enqueue(score_and_route, lead_ids)))
    except IntegrityError:
        # The same key raced in on another request and won; answer as it did.
        winner = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
        if winner is None:  # not that race: intake's own retries ran out
            raise
        return _replay(winner, body_hash=body_hash)
    return _answer(record, replayed=False, queued=all(queued))
