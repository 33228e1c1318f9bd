"""POST /api/intake/: the web-form intake's HTTP face."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qualification.intake.idempotent import IntakeRefused, take_intake_call
from qualification.intake.web_form import hash_token
from qualification.jobs.enqueue import enqueue
from qualification.jobs.tasks import score_and_route
from qualification.models import (
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
    queued: list[bool] = []  # filled after commit: was scoring handed to the broker?
    try:
        taken = take_intake_call(
            source=source,
            key=request.headers.get("Idempotency-Key", ""),
            body=request.body,
            now=timezone.now(),
            after_commit=lambda lead_ids: queued.append(enqueue(score_and_route, lead_ids)),
        )
    except IntakeRefused as refused:
        return error_response(refused.status, refused.errors)
    return _answer(taken.record, replayed=taken.replayed, queued=all(queued))
