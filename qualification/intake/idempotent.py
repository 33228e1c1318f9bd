"""One intake call, taken once per idempotency key.

A form retries when it sees no answer, so the key decides: the first call with a key takes the
lead and stores the key with a hash of the body; a retry with the same key and body gets the
first answer again (a replay); the key with another body is refused, since answering as if it
had been taken would silently drop what the new body says. Two calls with one key racing each
other: the unique key makes one wait and lose, and it answers as the winner did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from qualification.intake.batch import ingest
from qualification.intake.web_form import (
    MAX_BODY_BYTES,
    MAX_NESTING,
    NotANumber,
    nested_deeper_than,
    refuse_constant,
    row_from,
)
from qualification.models import ImportRow, IntakeRequest, IntakeSource

MAX_KEY_LENGTH = 100


class IntakeRefused(Exception):
    """The call is refused with `status` and messages by field; nothing was written."""

    def __init__(self, status: int, errors: dict[str, list[str]]):
        self.status = status
        self.errors = errors
        super().__init__("; ".join(m for messages in errors.values() for m in messages))


@dataclass(frozen=True)
class Taken:
    record: IntakeRequest
    replayed: bool


def take_intake_call(
    *,
    source: IntakeSource,
    key: str,
    body: bytes,
    now: dt.datetime,
    after_commit: Callable[[list[int]], object],
) -> Taken:
    """Take the call's lead once per `key`; `after_commit(lead_ids)` runs once it is stored
    (scoring and routing are the caller's to hand on). Raises IntakeRefused."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IntakeRefused(
            400, {"Idempotency-Key": ["a header of 1 to 100 characters is required"]}
        )
    body_hash = hashlib.sha256(body).hexdigest()  # the bytes as sent: a retry sends the same
    done = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
    if done is not None:
        return _replay(done, body_hash=body_hash)
    row, errors = row_from(_payload(body), source=source, now=now)
    if errors:
        raise IntakeRefused(400, errors)
    try:
        with transaction.atomic():
            (result,) = ingest(
                [row],
                segment=source.segment,
                source_system=f"intake:{source.name}",
                default_source=source.default_source,
                now=now,
            )
            if result.outcome != ImportRow.Outcome.REFUSED:
                record = IntakeRequest.objects.create(
                    source=source,
                    idempotency_key=key,
                    lead_id=result.lead_id,
                    outcome=result.outcome,
                    body_hash=body_hash,
                )
                lead_ids = [result.lead_id]
                transaction.on_commit(lambda: after_commit(lead_ids))
    except IntegrityError:
        # The same key raced in on another request and won; answer as it did.
        winner = IntakeRequest.objects.filter(source=source, idempotency_key=key).first()
        if winner is None:  # not that race: intake's own retries ran out
            raise
        return _replay(winner, body_hash=body_hash)
    if result.outcome == ImportRow.Outcome.REFUSED:
        raise IntakeRefused(400, result.errors or {"__all__": [result.message]})
    return Taken(record=record, replayed=False)


def _payload(body: bytes):
    """The JSON body, bounded in size and depth; IntakeRefused when it is not one."""
    if len(body) > MAX_BODY_BYTES:
        raise IntakeRefused(400, {"__all__": [f"the body is over {MAX_BODY_BYTES // 1024} KB"]})
    too_deep = IntakeRefused(400, {"__all__": ["the body is nested too deeply"]})
    try:
        payload = json.loads(body or b"null", parse_constant=refuse_constant)
    except NotANumber as refused:
        raise IntakeRefused(400, {"__all__": [f"the body is not valid JSON: {refused}"]}) from None
    except RecursionError:
        raise too_deep from None
    except (ValueError, UnicodeDecodeError):
        raise IntakeRefused(400, {"__all__": ["the body is not valid JSON"]}) from None
    if nested_deeper_than(payload, MAX_NESTING):
        raise too_deep
    return payload


def _replay(record: IntakeRequest, *, body_hash: str) -> Taken:
    """The first answer again, unless the key comes back with another body. A key stored
    before bodies were hashed has nothing to compare with, so it replays."""
    if record.body_hash and record.body_hash != body_hash:
        raise IntakeRefused(422, {"Idempotency-Key": ["key reused with a different body"]})
    return Taken(record=record, replayed=True)
