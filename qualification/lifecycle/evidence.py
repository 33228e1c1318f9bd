"""What a transition is given and how it refuses: actors, evidence, refusals."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from qualification.models import (
    Lead,
    ReasonCode,
)

NON_FIELD = "__all__"


class TransitionRefused(Exception):
    """A stage change the rules refuse; `errors` maps an evidence field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


@dataclass(frozen=True)
class Automation:
    """An automated actor (a scoring rule, the recycle job) acting instead of a person."""

    name: str


Actor = AbstractBaseUser | Automation


@dataclass
class Evidence:
    """What the actor supplies with a transition. Unset fields fall back to the lead's values."""

    owner: AbstractBaseUser | None = None
    icp_confirmed: bool | None = None
    next_action: str | None = None
    next_action_due: dt.date | None = None
    reason_code: ReasonCode | None = None
    note: str | None = None
    recycle_on: dt.date | None = None
    duplicate_of: Lead | None = None
    fit_override: str | None = None
    manual_review_decision: str | None = None
    next_meeting_on: dt.datetime | None = None
    single_thread_override: str | None = None
    amount_estimate: Decimal | None = None
    expected_close_date: dt.date | None = None
    mutual_next_step: str | None = None


# Evidence that is stored on the lead when the transition succeeds.
LEAD_FIELDS = (
    "owner",
    "next_action",
    "next_action_due",
    "reason_code",
    "recycle_on",
    "duplicate_of",
    "fit_override",
    "next_meeting_on",
    "single_thread_override",
    "amount_estimate",
    "expected_close_date",
    "mutual_next_step",
)


# A character a person can read: a letter, digit, punctuation mark or symbol. Whitespace,
# format characters (zero-width spaces and joiners, the BOM, soft hyphens: category Cf),
# separators (Z*), controls and lone combining marks are not; nor the few letters and symbols
# that are drawn blank (Hangul fillers, the blank Braille pattern).
_READABLE = ("L", "N", "P", "S")


_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_text(value: str | None) -> bool:
    """Whether `value` holds words: what is left after removing every Unicode whitespace and
    invisible character is not empty. Every requirement for written evidence asks this."""
    return any(
        unicodedata.category(char)[0] in _READABLE and char not in _BLANK_GLYPHS
        for char in value or ""
    )


def visible_text(evidence: Evidence) -> Evidence:
    """The evidence with every text nobody could read taken as not given (so it is neither
    counted nor stored)."""
    unreadable = {
        item.name: None
        for item in fields(evidence)
        if isinstance(getattr(evidence, item.name), str)
        and not has_text(getattr(evidence, item.name))
    }
    return replace(evidence, **unreadable) if unreadable else evidence
