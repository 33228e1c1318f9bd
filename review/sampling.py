"""Which leads a month's review looks at: a stratified, reproducible sample.

The candidates of each stratum are read as ids in primary-key order, so the same seed over the
same data draws the same sample. Strata are filled in a fixed order and a lead drawn once is not
drawn again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from qualification.lifecycle.engine import UNDO_MERGE
from qualification.models import OPEN_STAGES, REJECTIONS, Lead, Stage, StageTransition
from review.models import Stratum

STRATA = (Stratum.FALSE_NEGATIVE, Stratum.SDR_REJECTED, Stratum.MANUAL_REVIEW, Stratum.STALE)


@dataclass(frozen=True)
class Draw:
    lead_id: int
    stratum: str


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as an aware [start, end) in the site's time zone."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(following, dt.time.min, tzinfo=tz),
    )


def came_back(*, start: dt.datetime, end: dt.datetime) -> QuerySet[StageTransition]:
    """Transitions in [start, end) that brought a disqualified lead back into play: the
    false negatives, whether reopened by a manager or later bought."""
    # The undo of a merge takes a duplicate rejection back: no one reopened a lead.
    return StageTransition.objects.filter(
        from_stage=Stage.DISQUALIFIED, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(name=UNDO_MERGE)


def candidates(stratum: str, *, start: dt.datetime, end: dt.datetime) -> list[tuple[int, str]]:
    """(lead id, sub-group) of every lead in `stratum` for the month, in id order.

    The sub-group spreads the draw: SDR rejections across reason codes.
    """
    if stratum == Stratum.FALSE_NEGATIVE:
        comeback = came_back(start=start, end=end).filter(lead=OuterRef("pk"))
        rows = Lead.objects.filter(Exists(comeback)).values_list("pk", flat=True)
        return [(pk, "") for pk in rows.order_by("pk")]
    if stratum == Stratum.SDR_REJECTED:
        rows = (
            StageTransition.objects.filter(
                name__in=REJECTIONS, occurred_at__gte=start, occurred_at__lt=end
            )
            .values_list("lead_id", "reason_code__code")
            .order_by("lead_id", "occurred_at", "pk")
        )
        first: dict[int, str] = {}
        for lead_id, code in rows:
            first.setdefault(lead_id, code or "")
        return sorted(first.items())
    if stratum == Stratum.MANUAL_REVIEW:
        # The band as it stands: borderline leads still waiting for someone to decide.
        rows = Lead.objects.filter(manual_review=True, stage__in=OPEN_STAGES).values_list(
            "pk", flat=True
        )
        return [(pk, "") for pk in rows.order_by("pk")]
    if stratum == Stratum.STALE:
        rows = Lead.objects.filter(
            Q(stale_since__lt=end), stage__in=OPEN_STAGES, stale_since__isnull=False
        ).values_list("pk", flat=True)
        return [(pk, "") for pk in rows.order_by("pk")]
    raise ValueError(f"unknown stratum {stratum!r}")


def _draw(rng: random.Random, pool: list[tuple[int, str]], count: int, taken: set) -> list[int]:
    """Up to `count` ids from `pool`, round-robin across its sub-groups, skipping `taken`."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, group in pool:
        if pk not in taken:
            groups[group].append(pk)
    order = sorted(groups)
    for name in order:
        rng.shuffle(groups[name])
    rng.shuffle(order)
    chosen: list[int] = []
    while len(chosen) < count and any(groups[name] for name in order):
        for name in order:
            if groups[name] and len(chosen) < count:
                chosen.append(groups[name].pop())
    return chosen


def sample_leads(*, month: dt.date, size: int, seed: int) -> list[Draw]:
    """A sample of at most `size` leads for `month`, shared evenly across the strata; a stratum
    with too few candidates leaves its places to the others."""
    start, end = month_bounds(month)
    rng = random.Random(seed)
    pools = {stratum: candidates(stratum, start=start, end=end) for stratum in STRATA}
    quota = {stratum: size // len(STRATA) for stratum in STRATA}
    for stratum in STRATA[: size % len(STRATA)]:
        quota[stratum] += 1

    taken: set[int] = set()
    draws: list[Draw] = []
    for stratum in STRATA:
        for pk in _draw(rng, pools[stratum], quota[stratum], taken):
            taken.add(pk)
            draws.append(Draw(pk, stratum))
    # Places a thin stratum could not fill go to the others, in the same fixed order.
    for stratum in STRATA:
        missing = size - len(draws)
        if missing <= 0:
            break
        for pk in _draw(rng, pools[stratum], missing, taken):
            taken.add(pk)
            draws.append(Draw(pk, stratum))
    return draws
