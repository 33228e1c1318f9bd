"""POST /api/intake/: the web-form intake's HTTP face."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qualification.intake.batch import ingest
from qualification.intake.web_form import (
    MAX_BODY_BYTES,
    MAX_NESTING,
    NotANumber,
    hash_token,
    nested_deeper_than,
    refuse_constant,
    row_from,
)
from qualification.jobs.enqueue import enqueue
from qualification.jobs.tasks import score_and_route
from qualification.models import (
    ImportRow,
    IntakeRequest,
    IntakeSource,
)


def error_response(status: int, errors: dict[str, list[str]], **headers) -> JsonResponse:
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
        return error_response(422, {"Idempotency-Key": ["key reused with a different body"]})
    return _answer(record, replayed=True)


@csrf_exempt  # authenticated by bearer token, not a browser session
@login_not_required
@require_POST
def intake_lead(request: HttpRequest) -> JsonResponse:
    source = _authenticate(request)
    if source is None:
        return error_response(
            401,
            {"__all__": ["a valid bearer token is required"]},
            **{"WWW-Authenticate": 'Bearer realm="intake"'},
        )
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return error_response(
            400, {"Idempotency-Key": ["a header of 1 to 100 characters is required"]}
        )
    # The bytes as sent: a retry sends the same ones.
    body_hash = hashlib.sha256(request.body).hexdigest()
    done = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
    if done is not None:
        return _replay(done, body_hash=body_hash)
    if len(request.body) > MAX_BODY_BYTES:
        return error_response(400, {"__all__": [f"the body is over {MAX_BODY_BYTES // 1024} KB"]})
    too_deep = error_response(400, {"__all__": ["the body is nested too deeply"]})
    try:
        payload = json.loads(request.body or b"null", parse_constant=refuse_constant)
    except NotANumber as refused:
        return error_response(400, {"__all__": [f"the body is not valid JSON: {refused}"]})
    except RecursionError:
        return too_deep
    except (ValueError, UnicodeDecodeError):
        return error_response(400, {"__all__": ["the body is not valid JSON"]})
    if nested_deeper_than(payload, MAX_NESTING):
        return too_deep
    now = timezone.now()
    row, errors = row_from(payload, source=source, now=now)
    if errors:
        return error_response(400, errors)

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
                return error_response(400, result.errors or {"__all__": [result.message]})
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
