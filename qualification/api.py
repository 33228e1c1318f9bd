"""JSON intake for web forms: POST /api/intake/leads/ with a per-source bearer token.

The request carries an Idempotency-Key; a retried post with the same key gets the first answer
and creates nothing. Bad input gets a 400 with field errors and writes nothing. The lead goes
through the same intake as a CSV row, then is scored and routed after commit.
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
from .models import Activity, ImportRow, IntakeRequest, IntakeSource, Lead, Segment
from .tasks import score_and_route

MAX_BODY_BYTES = 64 * 1024
MAX_ACTIVITIES = 100
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
    lead = Lead.objects.get(pk=record.lead_id)
    status = 201 if record.outcome == ImportRow.Outcome.CREATED else 200
    body = {
        "id": lead.pk,
        "stage": lead.stage,
        "outcome": record.outcome,
        "intent_score": lead.intent_score,
        "replayed": replayed,
    }
    if not queued:
        # The lead is saved; only its scoring waits. The nightly rescore picks it up.
        body["scoring"] = "pending: the job queue is unreachable; the nightly rescore will score it"
    return JsonResponse(body, status=status)


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


def _row_from(payload) -> tuple[LeadRow | None, dict[str, list[str]]]:
    if not isinstance(payload, dict):
        return None, {"__all__": ["the body must be a JSON object"]}
    if not _storable(payload):
        return None, {"__all__": ["text must not contain NUL characters or lone surrogates"]}
    errors: dict[str, list[str]] = {}
    unknown = set(payload) - {*TEXT_FIELDS, "form_answers", "activities", "segment"}
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
        for index, item in enumerate(activities):
            problem = _activity_problem(item)
            if problem:
                errors.setdefault("activities", []).append(f"item {index}: {problem}")
            else:
                row.activities.append((item["kind"], parse_datetime(item["occurred_at"])))
    return (None, errors) if errors else (row, {})


def _activity_problem(item) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
        return "needs a kind and an occurred_at"
    if item["kind"] not in ACTIVITY_KINDS:
        return f"“{item['kind'][:40]}” is not an activity kind"
    when = item.get("occurred_at")
    moment = parse_datetime(when) if isinstance(when, str) else None
    if moment is None or timezone.is_naive(moment):
        return "occurred_at must be an ISO 8601 time with a time zone"
    if moment > timezone.now() + dt.timedelta(minutes=5):
        return "occurred_at is in the future"
    return None


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
    done = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
    if done is not None:
        return _answer(done, replayed=True)
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, {"__all__": [f"the body is over {MAX_BODY_BYTES // 1024} KB"]})
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, {"__all__": ["the body is not valid JSON"]})
    row, errors = _row_from(payload)
    segment = source.segment
    if row is not None and payload.get("segment") is not None:
        segment = Segment.objects.filter(slug=str(payload["segment"])).first()
        if segment is None:
            errors = {"segment": [f"no segment “{str(payload['segment'])[:50]}”"]}
    if errors:
        return _error(400, errors)

    queued: list[bool] = []  # filled after commit: was scoring handed to the broker?
    try:
        with transaction.atomic():
            (result,) = ingest(
                [row],
                segment=segment,
                source_system=f"intake:{source.name}",
                default_source=source.default_source,
            )
            if result.outcome == ImportRow.Outcome.REFUSED:
                return _error(400, result.errors or {"__all__": [result.message]})
            record = IntakeRequest.objects.create(
                source=source, idempotency_key=key, lead=result.lead, outcome=result.outcome
            )
            lead_ids = [result.lead.pk]
            transaction.on_commit(lambda: queued.append(enqueue(score_and_route, lead_ids)))
    except IntegrityError:
        # The same key raced in on another request and won; answer as it did.
        return _answer(IntakeRequest.objects.get(source=source, idempotency_key=key), replayed=True)
    return _answer(record, replayed=False, queued=all(queued))
