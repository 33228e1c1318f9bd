"""25 SDRs working the SAL queue for 60 s against gunicorn, while the SLA sweep runs.

Starts gunicorn (4 workers) on a free port of 127.0.0.1 over the shared benchmark database
(benchmarks/seed_large.py), runs the SLA sweep in a loop in a side process, drives
benchmarks/_locustfile.py headless, stops everything, and prints requests/s, p50/p95/p99 and
errors; then checks the transition table for lost or double transitions. Targets: zero 5xx,
p95 < 300 ms. Run with `make bench`, or `python benchmarks/load.py [USERS] [SECONDS]`.

Only ever 127.0.0.1; every process is bounded in time and stopped at the end.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import _setup  # noqa: F401  (keeps benchmarks/queue.py from shadowing the stdlib)
from seed_large import ensure_large_dataset

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
USERS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 25
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
WORKERS = 4
SDR_PREFIX = "bench-sdr"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DEBUG": "false",
        "TESTING": "1",  # the seeded users' fast password hashes; plain static storage
        "SECRET_KEY": "benchmarks-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen, name: str) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def sweep_forever(seconds: float) -> None:
    """The side process: sweep SLA breaches back to back for `seconds`, a line per sweep."""
    ensure_large_dataset()
    from qualification.jobs.tasks import sweep_sla

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        notices = sweep_sla() or 0
        print(
            json.dumps({"notices": notices, "seconds": time.perf_counter() - started}), flush=True
        )
        time.sleep(0.5)


def stage_counts() -> dict[str, int]:
    from django.db.models import Count

    from qualification.models import Lead

    return dict(Lead.objects.values_list("stage").annotate(n=Count("pk")).order_by())


def db_now():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def transition_check(since, before: dict[str, int], outcomes: dict[str, int]) -> list[str]:
    """Problems in the transition table since `since` (empty when there are none):

    1. double: a lead left `mql` more than once (two SDRs both accepted or rejected it);
    2. chain: a lead's transitions, in order, do not link (each `from` is the previous `to`)
       or do not end at the lead's stage (a stage written without its transition row);
    3. balance: MQLs before minus MQLs after differs from transitions out of MQL minus into it;
    4. clients: accepts and rejects the clients saw succeed differ from the rows written.
    """
    from django.db.models import Count

    from qualification.models import Lead, Stage, StageTransition

    problems = []
    window = StageTransition.objects.filter(occurred_at__gte=since)
    doubles = (
        window.filter(from_stage=Stage.MQL)
        .values("lead")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if doubles:
        problems.append(f"double: {doubles} leads left MQL more than once")
    stages = dict(Lead.objects.filter(transitions__in=window).values_list("pk", "stage"))
    chains: dict[int, list[tuple[str, str]]] = {}
    for lead, from_stage, to_stage in window.order_by("occurred_at", "pk").values_list(
        "lead", "from_stage", "to_stage"
    ):
        chains.setdefault(lead, []).append((from_stage, to_stage))
    broken = 0
    for lead, steps in chains.items():
        linked = all(steps[i][0] == steps[i - 1][1] for i in range(1, len(steps)))
        if not linked or steps[-1][1] != stages.get(lead):
            broken += 1
    if broken:
        problems.append(f"chain: {broken} leads whose transitions do not explain their stage")
    after = stage_counts()
    out_of_mql = window.filter(from_stage=Stage.MQL).count()
    into_mql = window.filter(to_stage=Stage.MQL).count()
    if before.get(Stage.MQL, 0) - after.get(Stage.MQL, 0) != out_of_mql - into_mql:
        problems.append(
            f"balance: MQLs {before.get(Stage.MQL, 0)} → {after.get(Stage.MQL, 0)}, "
            f"but {out_of_mql} transitions out of MQL and {into_mql} into it"
        )
    by_sdrs = window.filter(actor__username__startswith=SDR_PREFIX, from_stage=Stage.MQL)
    accepted = by_sdrs.filter(to_stage=Stage.SAL).count()
    rejected = by_sdrs.exclude(to_stage=Stage.SAL).count()
    if (accepted, rejected) != (outcomes["accepted"], outcomes["rejected"]):
        problems.append(
            f"clients: saw {outcomes['accepted']} accepts and {outcomes['rejected']} rejects "
            f"succeed; the table holds {accepted} and {rejected}"
        )
    return problems


def read_stats(stats_csv: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The Aggregated row, and one row per request name."""
    with stats_csv.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    total = [row for row in rows if row["Name"] == "Aggregated"]
    if not total:
        raise SystemExit(f"no Aggregated row in {stats_csv}")
    return total[0], [row for row in rows if row["Name"] != "Aggregated"]


def main() -> None:
    from _results import record

    ensure_large_dataset(verbose=True)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    since, before = db_now(), stage_counts()
    env = server_env()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        gunicorn = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "leadreview.wsgi",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=(out / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        sweeper = None
        try:
            wait_until_up(f"{host}/accounts/login/")
            sweeper = subprocess.Popen(
                [sys.executable, str(HERE / "load.py"), "--sweep", str(SECONDS)],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=(out / "sweep.log").open("w"),
                stderr=subprocess.DEVNULL,
            )
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(HERE / "_locustfile.py"),
                    "--headless",
                    "-u",
                    str(USERS),
                    "-r",
                    "5",
                    "-t",
                    f"{SECONDS}s",
                    "--stop-timeout",
                    "5",
                    "--host",
                    host,
                    "--csv",
                    str(out / "load"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**os.environ, "LOAD_OUTCOMES": str(out / "outcomes.json")},
                timeout=SECONDS + 90,
                check=False,
                stdout=(out / "locust.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        finally:
            if sweeper is not None:
                stop(sweeper, "sweep")
            stop(gunicorn, "gunicorn")
        sweeps = [json.loads(line) for line in (out / "sweep.log").read_text().splitlines()]
        stats, endpoints = read_stats(out / "load_stats.csv")
        outcomes = json.loads((out / "outcomes.json").read_text())
        server_errors = (out / "gunicorn.log").read_text().count("Traceback")
        failures_csv = (out / "load_failures.csv").read_text().strip().splitlines()[1:]
    requests, failures = int(stats["Request Count"]), int(stats["Failure Count"])
    rps = float(stats["Requests/s"])
    p50, p95, p99 = (float(stats[k]) for k in ("50%", "95%", "99%"))
    print(f"load: {USERS} SDRs for {SECONDS} s, gunicorn ×{WORKERS} on 127.0.0.1, SLA sweep on")
    print(f"  machine      {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"  requests     {requests:,} ({rps:.1f}/s)")
    print(
        f"  latency      p50 {p50:.0f} ms · p95 {p95:.0f} ms · p99 {p99:.0f} ms (target p95 < 300)"
    )
    for row in endpoints:
        print(
            f"    {row['Type']:4} {row['Name']:32} {int(row['Request Count']):5}  "
            f"p50 {float(row['50%']):5.0f} · p95 {float(row['95%']):5.0f} ms"
        )
    print(f"  errors       {failures} failed requests, {outcomes['5xx']} 5xx (target 0)")
    for line in failures_csv:
        print(f"    {line}")
    print(f"  server       {server_errors} tracebacks in gunicorn's log")
    print(
        f"  actions      {outcomes['accepted']} accepted · {outcomes['rejected']} rejected · "
        f"{outcomes['refused']} refused as already moved or invalid (422)"
    )
    print(
        f"  SLA sweep    {len(sweeps)} sweeps alongside, {sum(s['notices'] for s in sweeps)} "
        f"breach notices, longest {max((s['seconds'] for s in sweeps), default=0):.1f} s"
    )
    problems = transition_check(since, before, outcomes)
    print(
        "  transitions  "
        + (
            "OK: no lead left MQL twice; every touched lead's transitions chain to its stage; "
            "MQL count balances; every accept/reject a client saw is one row"
            if not problems
            else "PROBLEMS:\n    " + "\n    ".join(problems)
        )
    )
    record("load", "requests/s (25 SDRs, 60 s)", f"{rps:.1f}")
    record("load", "p50 / p95 / p99", f"{p50:.0f} / {p95:.0f} / {p99:.0f} ms", "p95 < 300 ms")
    record("load", "errors (5xx)", f"{failures} ({outcomes['5xx']})", "0")
    record("load", "lost or double transitions", str(len(problems)), "0")
    if outcomes["5xx"] or problems:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--sweep":
        sweep_forever(float(sys.argv[2]))
    else:
        main()
