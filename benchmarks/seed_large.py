"""The shared large benchmark dataset: 100,000 leads, 30,000 accounts, 150,000 contacts,
1,000,000 activities and a stage history, in the PostgreSQL database named by DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/leadreview_bench; created and migrated if missing;
BENCH_DB_SUFFIX is appended to its name, see benchmarks/_setup.py).

    python benchmarks/seed_large.py        # seeds once, then reports "already seeded"

Other benchmarks call `ensure_large_dataset()`.

This is a synthetic fixture for measuring, not a demo: it writes rows in bulk with
`INSERT … SELECT generate_series(…)`, stages included, instead of going through
`transitions.transition_lead` (which would take an hour at this size) and writes no
simple-history rows. It still honours every database check constraint (a disqualified lead has
a reason code, an SAL/SQL/opportunity lead an owner, a nurture lead a recycle date) and gives
every lead past `new` the StageTransition rows the lead page shows.

Deterministic: the same row numbers always get the same names, companies, stages and scores
(pseudo-random values are hashes of the row number); only timestamps follow the clock, so the
queue always has MQLs due soon and some breached. Idempotent: leads carry
`external_source = "bench-seed"`, and a database that already holds them is left alone. The
whole load is one transaction, so an interrupted run leaves nothing half-seeded.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/queue.py would shadow the standard library's `queue` (psycopg imports it) while
# this folder is first on sys.path, as it is when this file is run as a script: move it last.
HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path.append(sys.path.pop(0))

import os  # noqa: E402
import time  # noqa: E402

from _seed_data import (  # noqa: E402
    BENCH_SDR,
    EXTRA_AES,
    FIRST_NAMES,
    LAST_NAMES,
    LEADS,
    MARKER,
    PASSWORD,
    ROLE_USERS,
    SDR_TEAM,
    SEGMENTS,
)
from _seed_tables import (  # noqa: E402
    Summary,
    insert_accounts,
    insert_activities,
    insert_contacts,
    insert_duplicates,
    insert_leads,
    insert_transitions,
)

ROOT = HERE.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadreview_bench"


def setup_django() -> None:
    """Configure Django for a benchmark run against DATABASE_URL, creating the database (and
    migrating it) when it does not exist. Safe to call twice."""
    if "django" in sys.modules and getattr(sys.modules["django"], "_bench_ready", False):
        return
    import dj_database_url
    from _setup import with_database

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = with_database(url, dj_database_url.parse(url)["NAME"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadreview.settings")
    os.environ.setdefault("SECRET_KEY", "benchmarks-only-not-a-secret")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("TESTING", "1")  # plain static files storage, fast password hashing
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks HTTP
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("SITE_URL", "http://testserver")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["CELERY_BROKER_URL"] = ""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    django._bench_ready = True


def _create_database(url: str) -> None:
    import dj_database_url
    from _setup import admin_connection
    from psycopg import sql

    name = dj_database_url.parse(url)["NAME"]
    with admin_connection(url) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_large_dataset(*, verbose: bool = False) -> dict:
    """Seed the large dataset unless it is already there. Returns what was done, with timings."""
    setup_django()
    from qualification.models import Lead

    say = print if verbose else (lambda *args, **kwargs: None)
    seeded = Lead.objects.filter(external_source=MARKER).count()
    if seeded == LEADS:
        say(f"Already seeded: {seeded:,} benchmark leads in {_database_name()}; nothing to do.")
        return {"seeded": False, "leads": seeded}
    if seeded:
        raise SystemExit(
            f"{_database_name()} holds {seeded:,} of {LEADS:,} benchmark leads: drop the "
            "database and run again."
        )
    timings = _seed(say)
    return {"seeded": True, "timings": timings}


def _database_name() -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


def _seed(say) -> dict[str, float]:
    from django.db import connection, transaction

    say(f"Seeding {_database_name()} …")
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str, function, *args):
        began = time.perf_counter()
        result = function(*args)
        timings[name] = time.perf_counter() - began
        say(f"  {name:<22} {timings[name]:6.1f} s  {result}")
        return result

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.rnd(n bigint, salt int) RETURNS float8 "
            "LANGUAGE sql IMMUTABLE AS $$ "
            "SELECT (hashint8(n * 7919 + salt) & 2147483647)::float8 / 2147483648 $$"
        )
        people = step("users and segments", _people)
        account_base = step("accounts", insert_accounts, cursor, people)
        contact_base = step("contacts", insert_contacts, cursor, account_base)
        lead_base = step("leads", insert_leads, cursor, contact_base, people)
        step("activities", insert_activities, cursor, contact_base, lead_base)
        step("stage transitions", insert_transitions, cursor, lead_base, people)
        step("duplicates", insert_duplicates, cursor)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "accounts_account",
            "accounts_accountdomain",
            "accounts_contact",
            "qualification_lead",
            "qualification_activity",
            "qualification_stagetransition",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum analyze"] = time.perf_counter() - began
    say(f"  {'vacuum analyze':<22} {timings['vacuum analyze']:6.1f} s")
    timings["total"] = time.perf_counter() - started
    say(f"Seeded in {timings['total']:.1f} s.")
    return timings


def _people() -> dict:
    """The demo users (password "leadreview-demo"), and segments with their SDRs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from qualification.models import ReasonCode, Segment

    User = get_user_model()
    password = make_password(PASSWORD)
    groups = {group.name: group for group in Group.objects.all()}

    def user(username: str, first: str, last: str, role: str):
        person, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@leadreview.test",
                "password": password,
                "is_staff": role == "RevOps",
            },
        )
        person.groups.add(groups[role])
        return person

    named = {username: user(username, f, last, role) for username, f, last, role in ROLE_USERS}
    sdrs = [named[BENCH_SDR]] + [
        user(
            f"bench-sdr-{n:02d}",
            FIRST_NAMES[n % len(FIRST_NAMES)],
            LAST_NAMES[(n * 7) % len(LAST_NAMES)],
            "SDR",
        )
        for n in range(1, SDR_TEAM + 1)
    ]
    aes = [named["bench-ae"]] + [
        user(f"bench-ae-{n:02d}", FIRST_NAMES[-n], LAST_NAMES[-n], "AE")
        for n in range(1, EXTRA_AES + 1)
    ]
    segments = []
    team = sdrs[1:]
    per_segment = len(team) // len(SEGMENTS)
    for index, (slug, name, territories, _share) in enumerate(SEGMENTS):
        segment, _ = Segment.objects.get_or_create(
            slug=slug, defaults={"name": name, "territories": territories}
        )
        members = team[index * per_segment : (index + 1) * per_segment]
        if index < 2:  # the SDR the benchmark logs in as works core and enterprise
            members = [sdrs[0], *members]
        segment.sdrs.add(*members)
        segments.append((segment.pk, [member.pk for member in members]))
    codes = {code.code: code.pk for code in ReasonCode.objects.all()}
    return Summary(
        f"{len(sdrs)} SDRs, {len(aes)} AEs, {len(segments)} segments",
        {
            "segments": segments,
            "aes": [ae.pk for ae in aes],
            "timing": codes["timing"],
            "rejections": [
                pk
                for code, pk in codes.items()
                if code not in ("timing", "duplicate", "low_intent")
            ],
            "low_intent": codes.get("low_intent", codes["timing"]),
            "bench_sdr": sdrs[0].pk,
        },
    )


def main() -> None:
    from _results import record

    began = time.perf_counter()
    result = ensure_large_dataset(verbose=True)
    if result["seeded"]:
        record("seed_large", "seed 100,000 leads", f"{result['timings']['total']:.0f} s", "< 120 s")
    else:
        print(f"(checked in {time.perf_counter() - began:.1f} s)")
        record("seed_large", "seed 100,000 leads", "already seeded", "< 120 s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stage, count(*), count(*) FILTER (WHERE sla_due_at <= now()) "
            "FROM qualification_lead WHERE external_source = %s GROUP BY stage ORDER BY 2 DESC",
            [MARKER],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_account), (SELECT count(*) FROM "
            "accounts_contact), (SELECT count(*) FROM qualification_activity), "
            "(SELECT count(*) FROM qualification_stagetransition)"
        )
        accounts, contacts, activities, transitions = cursor.fetchone()
    print(
        f"{_database_name()}: {accounts:,} accounts · {contacts:,} contacts · "
        f"{activities:,} activities · {transitions:,} stage transitions"
    )
    print("Leads by stage: " + " · ".join(f"{stage} {count:,}" for stage, count, _ in rows))
    breached = sum(b for stage, _, b in rows if stage == "mql")
    mqls = sum(c for stage, c, _ in rows if stage == "mql")
    print(f"MQLs: {mqls:,}, of which {breached:,} past their SLA.")
    print(f"Log in as {BENCH_SDR} (or bench-manager, …) with the password {PASSWORD!r}.")


if __name__ == "__main__":
    main()
