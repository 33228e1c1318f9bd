"""The SAL queue against the large dataset: the page's query count and median server time, and
the median time of an accept (HTMX, as the page sends it).

    python benchmarks/queue.py      # seeds benchmarks/seed_large.py's dataset first if needed

In-process through Django's test client (no HTTP server): the times are what the view, the
templates and PostgreSQL take, which is what a gunicorn worker adds to a request. The accepted
leads are put back as they were afterwards, so the dataset stays the same run after run.
Targets (issue 3): at most 15 queries and under 60 ms median for the page, under 40 ms for accept.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called queue.py: keep its folder off the front of sys.path, or it would shadow the
# standard library's `queue` for every module imported after it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.append(str(HERE))

import contextlib  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from _results import record  # noqa: E402
from seed_large import BENCH_SDR, ensure_large_dataset  # noqa: E402

PAGE_REQUESTS = 30
ACCEPTS = 30
WARM_UP = 3
TARGETS = {"page_queries": 15, "page_ms": 60.0, "accept_ms": 40.0}


def main() -> int:
    ensure_large_dataset(verbose=True)

    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from qualification.models import Lead
    from qualification.web.queue.selectors import PAGE_SIZE

    sdr = get_user_model().objects.get(username=BENCH_SDR)
    client = Client()
    client.force_login(sdr)
    queue_url = reverse("qualification:queue")

    def timed(call) -> tuple[float, float, object]:
        """Wall time and this process's CPU time (the Django side; PostgreSQL excluded), in ms."""
        wall, cpu = time.perf_counter(), time.process_time()
        response = call()
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, response

    def measure_page(url: str, headers: dict) -> dict:
        for _ in range(WARM_UP):
            client.get(url, headers=headers)
        with counting_queries() as queries:
            client.get(url, headers=headers)
        walls, cpus = [], []
        for _ in range(PAGE_REQUESTS):
            wall, cpu, response = timed(lambda: client.get(url, headers=headers))
            assert response.status_code == 200, response.status_code
            walls.append(wall)
            cpus.append(cpu)
        matched = re.search(r'id="queue-match-count"[^>]*>\s*(\d+) MQL', response.text)
        return {
            "queries": len(queries),
            "wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "rows": f"{int(matched.group(1)):,} MQLs",
        }

    load_before = os.getloadavg()[0]
    segment = sdr.segments.order_by("pk").first()
    measures = {
        f"queue page ({PAGE_SIZE} rows)": measure_page(queue_url, {}),
        "htmx filter: breached only": measure_page(
            f"{queue_url}?breached=on", {"HX-Request": "true"}
        ),
        "filter: segment, high intent": measure_page(
            f"{queue_url}?segment={segment.pk}&intent_band=high", {}
        ),
    }
    page = measures[f"queue page ({PAGE_SIZE} rows)"]

    # Accept: 30 different MQLs of the SDR's queue, put back afterwards.
    scope_leads = Lead.objects.sal_queue().filter(segment__sdrs=sdr, owner__isnull=True)
    leads = list(scope_leads.order_by("-sla_due_at", "pk")[:ACCEPTS])
    snapshot = _snapshot(leads)
    started_at = timezone.now()
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    data = {
        "owner": sdr.pk,
        "icp_confirmed": "on",
        "next_action": "Book discovery call",
        "next_action_due": due,
        "next": queue_url,
    }
    walls, cpus = [], []
    try:
        for lead in leads:
            url = reverse("qualification:accept-lead", args=[lead.pk])
            with counting_queries() as queries:
                wall, cpu, response = timed(
                    lambda url=url: client.post(url, data, headers={"HX-Request": "true"})
                )
            assert response.status_code == 200, (response.status_code, response.content[:500])
            walls.append(wall)
            cpus.append(cpu)
    finally:
        _restore(snapshot, started_at)
    accept = {
        "queries": len(queries),
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "rows": f"{len(walls)} leads",
    }
    measures["accept (htmx, in place)"] = accept
    load_after = os.getloadavg()[0]

    header = ("measure", "queries", "median", "cpu (Django)", "rows")
    table = [header] + [
        (name, str(m["queries"]), f"{m['wall']:.1f} ms", f"{m['cpu']:.1f} ms", m["rows"])
        for name, m in measures.items()
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    print(
        f"SAL queue, logged in as {BENCH_SDR}: median of {PAGE_REQUESTS} requests each "
        f"(load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs)"
    )
    for row in table:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    verdicts = [
        ("page queries", page["queries"], TARGETS["page_queries"], ""),
        ("page median", page["wall"], TARGETS["page_ms"], " ms"),
        ("accept median", accept["wall"], TARGETS["accept_ms"], " ms"),
    ]
    print()
    for name, value, target, unit in verdicts:
        ok = value <= target if unit == "" else value < target
        shown = f"{value:.1f}{unit}" if unit else f"{value}"
        record("queue", name, shown, f"{'≤' if not unit else '<'} {target:g}{unit}")
        print(
            f"  {name:<14} {shown:>9}   target {'≤' if not unit else '<'} {target:g}{unit}   "
            f"{'ok' if ok else 'MISSED'}"
        )
    return 0


@contextlib.contextmanager
def counting_queries():
    """Count the SQL statements run inside the block (a list that grows with each one)."""
    from django.db import connection

    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield executed


def _snapshot(leads) -> dict:
    from accounts.models import Account
    from qualification.models import Lead

    fields = [field.attname for field in Lead._meta.concrete_fields]
    rows = list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values(*fields))
    accounts = Account.objects.filter(pk__in=[row["account_id"] for row in rows])
    return {
        "leads": rows,
        "accounts": list(accounts.values("id", "icp_confirmed_at", "icp_confirmed_by_id")),
    }


def _restore(snapshot: dict, since) -> None:
    """Put the accepted leads back as they were, and drop what accepting them wrote."""
    from django.db import transaction

    from accounts.models import Account
    from qualification.models import Lead, StageTransition

    ids = [row["id"] for row in snapshot["leads"]]
    account_ids = [row["id"] for row in snapshot["accounts"]]
    with transaction.atomic():
        StageTransition.objects.filter(lead_id__in=ids, occurred_at__gte=since).delete()
        Lead.history.filter(id__in=ids, history_date__gte=since).delete()
        Account.history.filter(id__in=account_ids, history_date__gte=since).delete()
        for row in snapshot["accounts"]:
            Account.objects.filter(pk=row.pop("id")).update(**row)
        for row in snapshot["leads"]:
            Lead.objects.filter(pk=row.pop("id")).update(**row)


if __name__ == "__main__":
    sys.exit(main())
