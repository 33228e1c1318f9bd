"""Recompute every intent score over the shared dataset (100,000 leads, 1,000,000 activities).

Prints seconds for a recompute from scratch (every lead's score reset first, so every row is
written) and for a nightly decay pass (most rows unchanged), with this process's peak memory;
the work itself runs in PostgreSQL as one set-based statement. Target (issue 4): under 20 s;
DESIGN's aim: 10 s. Run with `make bench` or `python benchmarks/scoring.py`.
"""

from __future__ import annotations

import time

import _setup  # noqa: F401  (keeps benchmarks/queue.py from shadowing the stdlib)
from _results import record
from _setup import peak_rss_mib
from seed_large import ensure_large_dataset


def main() -> None:
    ensure_large_dataset(verbose=True)
    from django.db import connection

    from qualification.models import Activity, Lead
    from qualification.scoring.intent import score_leads

    leads, activities = Lead.objects.count(), Activity.objects.count()
    print(f"scoring: {leads:,} leads, {activities:,} activities")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE qualification_lead SET intent_score = 0, intent_band = 'low', "
            "score_explanation = '[]'::jsonb"
        )
        cursor.execute("ANALYZE qualification_lead")
    for label in ("from scratch", "nightly pass"):
        started = time.perf_counter()
        changed = score_leads()
        seconds = time.perf_counter() - started
        print(f"  {label:13} {seconds:6.2f} s   {changed:,} leads changed")
        record("scoring", f"{activities:,} activities, {label}", f"{seconds:.2f} s", "< 20 s")
    with connection.cursor() as cursor:
        # The rewrite left dead rows; clear them so the benchmarks after this one are not
        # measuring bloat.
        cursor.execute("VACUUM ANALYZE qualification_lead")
    sample = (
        Lead.objects.exclude(score_explanation=[])
        .order_by("-intent_score")
        .values_list("intent_score", "score_explanation")
        .first()
    )
    if sample:
        print(f"  top lead: {sample[0]} — {' · '.join(sample[1])}")
    print(f"  peak memory   {peak_rss_mib():6.0f} MiB in this process (target: < 20 s)")


if __name__ == "__main__":
    main()
