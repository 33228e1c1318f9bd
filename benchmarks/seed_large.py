"""The shared large benchmark dataset: 100,000 leads, 30,000 accounts, 150,000 contacts,
1,000,000 activities and a stage history, in the PostgreSQL database named by DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/leadreview_bench; created and migrated if missing).

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

ROOT = HERE.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadreview_bench"
MARKER = "bench-seed"
PASSWORD = "leadreview-demo"

ACCOUNTS = 30_000
CONTACTS_PER_ACCOUNT = 5  # 150,000 contacts
LEADS = 100_000  # lead n belongs to contact n
ACTIVITIES = 1_000_000

# Users: one per role, plus the SDR team the queue benchmark logs in as.
SDR_TEAM = 20
ROLE_USERS = (
    ("bench-sdr", "Priya", "Shah", "SDR"),
    ("bench-ae", "Maya", "Okafor", "AE"),
    ("bench-manager", "Sofia", "Lindqvist", "Manager"),
    ("bench-revops", "Jonas", "Weber", "RevOps"),
    ("bench-marketing", "Chloe", "Martin", "Marketing"),
)
EXTRA_AES = 4
BENCH_SDR = "bench-sdr"

# (slug, name, territories, motion, share of leads)
SEGMENTS = (
    ("bench-core", "Core platform — inbound", ["UK & Ireland", "Benelux", "Nordics"], 0.40),
    ("bench-enterprise", "Enterprise — inbound", ["North America", "DACH"], 0.20),
    ("bench-outbound", "Outbound", ["France", "Southern Europe", "DACH"], 0.20),
    ("bench-self-serve", "Self-serve — product-led", ["UK & Ireland", "North America"], 0.20),
)
TERRITORIES = [
    ("UK & Ireland", "GB"),
    ("Benelux", "NL"),
    ("Nordics", "SE"),
    ("North America", "US"),
    ("DACH", "DE"),
    ("France", "FR"),
    ("Southern Europe", "ES"),
]
# Stage shares, cumulative in this order.
STAGES = (
    ("new", 0.10),
    ("mql", 0.08),
    ("sal", 0.10),
    ("sql", 0.06),
    ("opportunity", 0.04),
    ("nurture", 0.32),
    ("disqualified", 0.30),
)

PREFIXES = """Northwind Contoso Larkspur Willowmere Granitepeak Ashgrove Tessellate Bluefin
Copperleaf
Driftwood Evergreen Foxglove Goldcrest Harborview Ironbark Juniper Kestrel Lumen
Meridian Nimbus Oakridge Pinecrest Quarry Redwood Silverline Tidewater Umber Vantage
Westbrook Yarrow Zephyr Alder Brightwater Cedar Dunmore Elmstead Fairhaven Glenmore
Halcyon Inverness""".split()  # noqa: SIM905
SUFFIXES = """Logistics Labs Capital Care Manufacturing Systems Analytics Health Retail Energy
Software Partners Foods Media Robotics Insurance Learning Mobility Security Finance""".split()  # noqa: SIM905
INDUSTRIES = """Software;Financial services;Healthcare;Manufacturing;Retail;Logistics;Education;
Media;Energy;Professional services""".replace("\n", "").split(";")
FIRST_NAMES = """Olivia James Amara Noah Sophie Ethan Isla Mateo Hannah Lucas Freya Arjun Grace
Felix
Zara Oscar Leila Samuel Ingrid Tobias Nadia Rafael Emma Kwame Julia Henrik Mei Patrick
Anika Diego Ruth Omar Clara Yasmin George Elena Malik Astrid Connor Ravi""".split()  # noqa: SIM905
LAST_NAMES = """Patel Nakamura Okonkwo Fischer Jensen Moreau Kowalski Haddad Lindberg Rossi Schmidt
Mensah Carter Silva Novak Brennan Kaur Andersson Dubois Murphy Yamamoto Hughes Costa
Bauer Adeyemi Walsh Ortega Nielsen Fraser Iyer Keller Byrne Santos Holm Ahmed Vogel
Quinn Laurent Reid Chen""".split()  # noqa: SIM905
# (title, persona function, persona seniority)
TITLES = (
    ("VP of Revenue Operations", "sales", "vp"),
    ("Head of Sales Operations", "sales", "vp"),
    ("Director of Sales Development", "sales", "director"),
    ("Marketing Director", "marketing", "director"),
    ("Head of Growth", "marketing", "vp"),
    ("Revenue Operations Manager", "sales", "manager"),
    ("CFO", "finance", "c_level"),
    ("Chief Revenue Officer", "sales", "c_level"),
    ("IT Director", "it_engineering", "director"),
    ("Solutions Architect", "it_engineering", "individual"),
    ("Procurement Manager", "operations", "manager"),
    ("Marketing Coordinator", "marketing", "individual"),
    ("Account Executive", "sales", "individual"),
    ("CTO", "it_engineering", "c_level"),
    ("Customer Success Manager", "other", "manager"),
    ("HR Coordinator", "hr", "individual"),
)
SIGNALS = """pricing page ×2;demo request;security page;ROI calculator;comparison page;
3 sessions in 7 days;webinar;white paper;implementation guide;email reply;blog read ×3;
careers page (−15)""".replace("\n", "").split(";")
USAGE = """product activated;teammate invited;plan limit hit;5 sessions in 7 days;
API key created""".replace("\n", "").split(";")
USE_CASES = """Route inbound leads to the right SDR;Stop re-qualifying leads after handoff;
Score intent from product usage;Replace an in-house scoring script;One view of the buying group
""".replace("\n", "").split(";")
TIMELINES = ["This quarter", "Next quarter", "This year", "Just researching"]
NEXT_ACTIONS = """Book discovery call;Send pricing and book a call;Intro to AE;
Follow up on the demo;
Share the security pack;Call the champion""".replace("\n", "").split(";")
ACTIVITY_KINDS = """pricing_page;security_page;roi_page;comparison_page;demo_request;webinar;
content_download;white_paper;email_open;email_click;email_reply;blog_read;web_session;web_session;
web_session;email_open;careers_page;product_signup;product_activation;product_invite""".replace(
    "\n", ""
).split(";")


def setup_django() -> None:
    """Configure Django for a benchmark run against DATABASE_URL, creating the database (and
    migrating it) when it does not exist. Safe to call twice."""
    if "django" in sys.modules and getattr(sys.modules["django"], "_bench_ready", False):
        return
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
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
        account_base = step("accounts", _accounts, cursor, people)
        contact_base = step("contacts", _contacts, cursor, account_base)
        lead_base = step("leads", _leads, cursor, contact_base, people)
        step("activities", _activities, cursor, contact_base, lead_base)
        step("stage transitions", _transitions, cursor, lead_base, people)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "accounts_account",
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
    return _Summary(
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


class _Summary(dict):
    """A dict that prints as a one-line summary (the seeding steps print what they return)."""

    def __init__(self, summary: str, values: dict):
        super().__init__(values)
        self.summary = summary

    def __str__(self) -> str:
        return self.summary

    __repr__ = __str__


def _contiguous(cursor, table: str, inserted: int) -> int:
    """The first id of the rows just inserted, which one INSERT … SELECT numbered in order."""
    cursor.execute(
        f"SELECT min(id), max(id), count(*) FROM {table} "
        f"WHERE id > (SELECT coalesce(max(id), 0) FROM {table}) - %s",
        [inserted],
    )
    first, last, count = cursor.fetchone()
    if count != inserted or last - first + 1 != inserted:
        raise RuntimeError(f"{table}: expected {inserted} contiguous new ids")
    return first


def _accounts(cursor, people) -> int:
    cursor.execute(
        """
        INSERT INTO accounts_account (name, domain, industry, employee_count, annual_revenue,
            country, region, tech_stack, relationship, territory, icp_tier, icp_reasons,
            owner_id, created_at, updated_at)
        SELECT
            p.prefix || ' ' || p.suffix,
            lower(p.prefix || p.suffix) || '-' || n || '.example',
            (%(industries)s::text[])[1 + floor(pg_temp.rnd(n, 2) * %(n_industries)s)::int],
            10 + floor(pg_temp.rnd(n, 3) ^ 2 * 5000)::int,
            round((100000 + pg_temp.rnd(n, 4) ^ 2 * 200000000)::numeric, -3),
            (%(countries)s::text[])[t.i],
            (%(territories)s::text[])[t.i],
            '[]'::jsonb,
            CASE WHEN pg_temp.rnd(n, 5) < 0.05 THEN 'customer' ELSE 'prospect' END,
            (%(territories)s::text[])[t.i],
            CASE WHEN pg_temp.rnd(n, 6) < 0.20 THEN 'A' WHEN pg_temp.rnd(n, 6) < 0.55 THEN 'B'
                 WHEN pg_temp.rnd(n, 6) < 0.85 THEN 'C' ELSE 'out' END,
            '[]'::jsonb,
            CASE WHEN pg_temp.rnd(n, 7) < 0.10
                 THEN (%(aes)s::int[])[1 + floor(pg_temp.rnd(n, 8) * %(n_aes)s)::int] END,
            now() - interval '1 day' * (30 + floor(pg_temp.rnd(n, 9) * 700)),
            now()
        FROM generate_series(1, %(count)s) AS n
        CROSS JOIN LATERAL (SELECT
            (%(prefixes)s::text[])[1 + n %% %(n_prefixes)s] AS prefix,
            (%(suffixes)s::text[])[1 + (n / %(n_prefixes)s) %% %(n_suffixes)s] AS suffix) p
        CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.rnd(n, 1) * %(n_territories)s)::int AS i) t
        ORDER BY n
        """,
        {
            "count": ACCOUNTS,
            "industries": INDUSTRIES,
            "n_industries": len(INDUSTRIES),
            "countries": [country for _, country in TERRITORIES],
            "territories": [territory for territory, _ in TERRITORIES],
            "n_territories": len(TERRITORIES),
            "aes": people["aes"],
            "n_aes": len(people["aes"]),
            "prefixes": PREFIXES,
            "n_prefixes": len(PREFIXES),
            "suffixes": SUFFIXES,
            "n_suffixes": len(SUFFIXES),
        },
    )
    return _contiguous(cursor, "accounts_account", ACCOUNTS)


def _contacts(cursor, account_base: int) -> int:
    count = ACCOUNTS * CONTACTS_PER_ACCOUNT
    cursor.execute(
        """
        INSERT INTO accounts_contact (account_id, first_name, last_name, email, email_kind, title,
            persona_function, persona_seniority, phone, country, lawful_basis, do_not_contact,
            created_at, updated_at)
        SELECT a.id, f.first, f.last,
            CASE WHEN pg_temp.rnd(n, 12) < 0.06
                 THEN lower(f.first || '.' || f.last || '.' || n || '@gmail.com')
                 ELSE lower(f.first || '.' || f.last || '.' || n || '@' || a.domain) END,
            CASE WHEN pg_temp.rnd(n, 12) < 0.06 THEN 'personal' ELSE 'work' END,
            (%(titles)s::text[])[f.t], (%(functions)s::text[])[f.t],
            (%(seniorities)s::text[])[f.t],
            '', a.country, 'legitimate_interest', false, a.created_at, now()
        FROM generate_series(1, %(count)s) AS n
        JOIN accounts_account a ON a.id = %(account_base)s + (n - 1) %% %(accounts)s
        CROSS JOIN LATERAL (SELECT
            (%(first_names)s::text[])[1 + floor(pg_temp.rnd(n, 10) * %(n_first)s)::int] AS first,
            (%(last_names)s::text[])[1 + floor(pg_temp.rnd(n, 11) * %(n_last)s)::int] AS last,
            1 + floor(pg_temp.rnd(n, 13) * %(n_titles)s)::int AS t) f
        ORDER BY n
        """,
        {
            "count": count,
            "account_base": account_base,
            "accounts": ACCOUNTS,
            "first_names": FIRST_NAMES,
            "n_first": len(FIRST_NAMES),
            "last_names": LAST_NAMES,
            "n_last": len(LAST_NAMES),
            "titles": [title for title, _, _ in TITLES],
            "functions": [function for _, function, _ in TITLES],
            "seniorities": [seniority for _, _, seniority in TITLES],
            "n_titles": len(TITLES),
        },
    )
    return _contiguous(cursor, "accounts_contact", count)


def _sdr_grid(people) -> tuple[list[int], list[list[int]], int]:
    """Segment ids, and each segment's SDRs as one row of a 2-D array (rows padded to one
    width by repeating their members)."""
    width = max(len(members) for _, members in people["segments"])
    grid = [(members * width)[:width] for _, members in people["segments"]]
    return [pk for pk, _ in people["segments"]], grid, width


def _leads(cursor, contact_base: int, people) -> int:
    segment_ids, sdr_grid, width = _sdr_grid(people)
    shares, cumulative = [], 0.0
    for *_, share in SEGMENTS:
        cumulative += share
        shares.append(cumulative)
    bounds, cumulative = {}, 0.0
    for stage, share in STAGES:
        cumulative += share
        bounds[stage] = cumulative
    cursor.execute(
        """
        INSERT INTO qualification_lead (contact_id, account_id, segment_id, source, motion, stage,
            owner_id, fit_tier, fit_override, intent_score, intent_band, score_explanation,
            manual_review, form_answers, next_action, next_action_due, stage_entered_at,
            sla_due_at, first_touch_at, recycle_on, reason_code_id, next_meeting_on,
            single_thread_override, amount_estimate, expected_close_date, mutual_next_step,
            last_activity_at, external_source, external_id, version, created_at, updated_at)
        SELECT
            c.id, c.account_id, (%(segments)s::bigint[])[s.i],
            CASE WHEN s.i = 4 THEN 'product_signup'
                 WHEN s.i = 3 THEN (ARRAY['outbound','list_import'])[1 + (n %% 2)]
                 ELSE (ARRAY['form','demo_request','webinar','content','event','partner'])
                      [1 + floor(pg_temp.rnd(n, 21) * 6)::int] END,
            CASE s.i WHEN 4 THEN 'product_led' WHEN 3 THEN 'outbound' ELSE 'inbound' END,
            st.stage,
            CASE WHEN st.stage = 'mql' AND pg_temp.rnd(n, 22) < 0.55 THEN sdr.id
                 WHEN st.stage = 'sal' THEN sdr.id
                 WHEN st.stage IN ('sql', 'opportunity') THEN ae.id
                 WHEN st.stage IN ('nurture', 'disqualified') AND pg_temp.rnd(n, 22) < 0.4
                      THEN sdr.id END,
            CASE WHEN a.icp_tier = 'out' AND st.stage NOT IN ('new','nurture','disqualified')
                 THEN 'C' ELSE a.icp_tier END,
            CASE WHEN a.icp_tier IN ('C', 'out') AND st.stage NOT IN ('new','nurture')
                 THEN 'Strategic logo: approved by the manager' ELSE '' END,
            sc.score,
            CASE WHEN sc.score >= 70 THEN 'high' WHEN sc.score >= 40 THEN 'medium'
                 ELSE 'low' END,
            jsonb_build_array('Tier ' || a.icp_tier || ' ICP') || to_jsonb(
                CASE WHEN s.i = 4
                     THEN ARRAY[(%(usage)s::text[])[1 + n %% %(n_usage)s],
                                (%(usage)s::text[])[1 + (n / 7) %% %(n_usage)s]]
                     ELSE ARRAY[(%(signals)s::text[])[1 + n %% %(n_signals)s],
                                (%(signals)s::text[])[1 + (n / 11) %% %(n_signals)s],
                                (%(signals)s::text[])[1 + (n / 13) %% %(n_signals)s]]
                END),
            st.stage = 'new' AND sc.score BETWEEN 40 AND 69,
            CASE WHEN s.i = 4
                 THEN jsonb_build_object('plan', 'Free', 'seats_used',
                      (1 + n %% 5)::text || ' of 5')
                 ELSE jsonb_build_object(
                      'team_size', (5 + floor(pg_temp.rnd(n, 23) * 200))::int::text,
                      'use_case', (%(use_cases)s::text[])[1 + n %% %(n_use_cases)s],
                      'timeline', (%(timelines)s::text[])[1 + (n / 3) %% %(n_timelines)s])
            END,
            CASE WHEN st.stage IN ('sal', 'sql', 'opportunity')
                 THEN (%(next_actions)s::text[])[1 + n %% %(n_next_actions)s] ELSE '' END,
            CASE WHEN st.stage IN ('sal', 'sql', 'opportunity')
                 THEN current_date + floor(pg_temp.rnd(n, 24) * 17)::int - 3 END,
            t.entered,
            CASE WHEN st.stage = 'mql' THEN now() + interval '1 minute' * floor(
                     pg_temp.rnd(n, 25) * 1920 - 480)
                 WHEN st.stage = 'sql' THEN t.entered + interval '48 hours' END,
            CASE WHEN st.stage NOT IN ('new', 'mql') THEN t.entered END,
            CASE WHEN st.stage = 'nurture'
                 THEN current_date + floor(pg_temp.rnd(n, 26) * 210)::int - 30 END,
            CASE WHEN st.stage = 'disqualified'
                 THEN (%(rejections)s::bigint[])[1 + n %% %(n_rejections)s]
                 WHEN st.stage = 'nurture' AND pg_temp.rnd(n, 27) < 0.4 THEN %(timing)s
                 WHEN st.stage = 'nurture' THEN %(low_intent)s END,
            CASE WHEN st.stage IN ('sql', 'opportunity')
                 THEN now() + interval '1 hour' * floor(pg_temp.rnd(n, 28) * 336) END,
            '',
            CASE WHEN st.stage = 'opportunity'
                 THEN round((5000 + pg_temp.rnd(n, 29) * 120000)::numeric, -2) END,
            CASE WHEN st.stage = 'opportunity'
                 THEN current_date + floor(pg_temp.rnd(n, 30) * 120)::int END,
            CASE WHEN st.stage = 'opportunity' THEN 'Security review, then order form'
                 ELSE '' END,
            t.entered - interval '1 hour' * floor(pg_temp.rnd(n, 31) * 72),
            %(marker)s, n::text, 1, t.created, now()
        FROM generate_series(1, %(count)s) AS n
        JOIN accounts_contact c ON c.id = %(contact_base)s + n - 1
        JOIN accounts_account a ON a.id = c.account_id
        CROSS JOIN LATERAL (SELECT CASE
            WHEN pg_temp.rnd(n, 14) < %(share1)s THEN 1 WHEN pg_temp.rnd(n, 14) < %(share2)s THEN 2
            WHEN pg_temp.rnd(n, 14) < %(share3)s THEN 3 ELSE 4 END AS i) s
        CROSS JOIN LATERAL (SELECT CASE
            WHEN pg_temp.rnd(n, 15) < %(new)s THEN 'new'
            WHEN pg_temp.rnd(n, 15) < %(mql)s THEN 'mql'
            WHEN pg_temp.rnd(n, 15) < %(sal)s THEN 'sal'
            WHEN pg_temp.rnd(n, 15) < %(sql)s THEN 'sql'
            WHEN pg_temp.rnd(n, 15) < %(opportunity)s THEN 'opportunity'
            WHEN pg_temp.rnd(n, 15) < %(nurture)s THEN 'nurture'
            ELSE 'disqualified' END AS stage) st
        CROSS JOIN LATERAL (SELECT CASE
            WHEN st.stage IN ('mql','sal','sql','opportunity')
                 THEN 70 + floor(pg_temp.rnd(n, 16) * 31)::int
            WHEN st.stage = 'nurture' THEN 5 + floor(pg_temp.rnd(n, 16) * 35)::int
            WHEN st.stage = 'disqualified' THEN 20 + floor(pg_temp.rnd(n, 16) * 70)::int
            ELSE 20 + floor(pg_temp.rnd(n, 16) * 60)::int END AS score) sc
        CROSS JOIN LATERAL (SELECT
            now() - interval '1 minute' * floor(pg_temp.rnd(n, 17) * 172800) AS created) tc
        CROSS JOIN LATERAL (SELECT tc.created,
            CASE WHEN st.stage = 'mql'
                 THEN now() - interval '1 minute' * floor(pg_temp.rnd(n, 18) * 4320)
                 WHEN st.stage = 'new' THEN tc.created
                 ELSE tc.created + (now() - tc.created) * pg_temp.rnd(n, 18) END AS entered) t
        CROSS JOIN LATERAL (SELECT (%(sdr_grid)s::int[])[s.i][
            1 + floor(pg_temp.rnd(n, 19) * %(width)s)::int] AS id) sdr
        CROSS JOIN LATERAL (SELECT (%(aes)s::int[])[
            1 + floor(pg_temp.rnd(n, 20) * %(n_aes)s)::int] AS id) ae
        ORDER BY n
        """,
        {
            "count": LEADS,
            "contact_base": contact_base,
            "segments": segment_ids,
            "share1": shares[0],
            "share2": shares[1],
            "share3": shares[2],
            **bounds,
            "sdr_grid": sdr_grid,
            "width": width,
            "aes": people["aes"],
            "n_aes": len(people["aes"]),
            "usage": USAGE,
            "n_usage": len(USAGE),
            "signals": SIGNALS,
            "n_signals": len(SIGNALS),
            "use_cases": USE_CASES,
            "n_use_cases": len(USE_CASES),
            "timelines": TIMELINES,
            "n_timelines": len(TIMELINES),
            "next_actions": NEXT_ACTIONS,
            "n_next_actions": len(NEXT_ACTIONS),
            "rejections": people["rejections"],
            "n_rejections": len(people["rejections"]),
            "timing": people["timing"],
            "low_intent": people["low_intent"],
            "marker": MARKER,
        },
    )
    return _contiguous(cursor, "qualification_lead", LEADS)


def _activities(cursor, contact_base: int, lead_base: int) -> int:
    cursor.execute(
        """
        INSERT INTO qualification_activity (contact_id, lead_id, kind, occurred_at, detail,
            session_key)
        SELECT %(contact_base)s + l, %(lead_base)s + l,
            (%(kinds)s::text[])[1 + floor(pg_temp.rnd(n, 40) * %(n_kinds)s)::int],
            now() - interval '1 minute' * floor(pg_temp.rnd(n, 41) * 172800),
            '', ''
        FROM generate_series(1, %(count)s) AS n
        CROSS JOIN LATERAL (SELECT (n - 1) %% %(leads)s AS l) i
        """,
        {
            "count": ACTIVITIES,
            "contact_base": contact_base,
            "lead_base": lead_base,
            "leads": LEADS,
            "kinds": ACTIVITY_KINDS,
            "n_kinds": len(ACTIVITY_KINDS),
        },
    )
    return cursor.rowcount


def _transitions(cursor, lead_base: int, people) -> int:
    """new → mql by the scoring rule for every lead that was an MQL, then the move into its
    current stage by its owner (or an SDR of its segment, or the nurture-floor rule)."""
    ours = "l.id >= %(lead_base)s AND l.external_source = %(marker)s"
    segments, grid, width = _sdr_grid(people)
    params = {
        "lead_base": lead_base,
        "marker": MARKER,
        "segments": segments,
        "sdr_grid": grid,
        "width": width,
    }
    cursor.execute(
        f"""
        INSERT INTO qualification_stagetransition (lead_id, from_stage, to_stage, name, actor_id,
            rule, occurred_at, from_stage_entered_at, reason_code_id, note, evidence)
        SELECT l.id, 'new', 'mql', 'mark-mql', NULL, 'intent-score',
            m.marked_at, LEAST(l.created_at, m.marked_at), NULL, '',
            jsonb_build_object('intent_score', l.intent_score)
        FROM qualification_lead l
        CROSS JOIN LATERAL (SELECT
            CASE WHEN l.stage = 'mql' THEN l.stage_entered_at
                 ELSE l.created_at + (l.stage_entered_at - l.created_at) / 2 END AS marked_at) m
        WHERE {ours}
          AND (l.stage IN ('mql', 'sal', 'sql', 'opportunity', 'disqualified')
               OR (l.stage = 'nurture' AND l.reason_code_id IS NOT NULL AND l.owner_id IS NOT NULL))
        """,
        params,
    )
    marked = cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO qualification_stagetransition (lead_id, from_stage, to_stage, name, actor_id,
            rule, occurred_at, from_stage_entered_at, reason_code_id, note, evidence)
        SELECT l.id, m.from_stage, l.stage, m.name, m.actor, m.rule, l.stage_entered_at,
            CASE WHEN m.from_stage = 'new' THEN l.created_at
                 ELSE l.created_at + (l.stage_entered_at - l.created_at) / 2 END,
            CASE WHEN l.stage IN ('nurture', 'disqualified') THEN l.reason_code_id END,
            m.note, '{{}}'::jsonb
        FROM qualification_lead l
        CROSS JOIN LATERAL (SELECT
            CASE l.stage WHEN 'sal' THEN 'mql' WHEN 'sql' THEN 'sal'
                 WHEN 'opportunity' THEN 'sql'
                 WHEN 'nurture' THEN CASE WHEN l.owner_id IS NULL THEN 'new' ELSE 'mql' END
                 ELSE 'mql' END AS from_stage,
            CASE l.stage WHEN 'sal' THEN 'accept' WHEN 'sql' THEN 'promote-sql'
                 WHEN 'opportunity' THEN 'promote-opportunity'
                 WHEN 'nurture' THEN CASE WHEN l.owner_id IS NULL THEN 'park'
                                          ELSE 'reject-to-nurture' END
                 ELSE 'reject' END AS name,
            CASE WHEN l.stage = 'disqualified' THEN coalesce(l.owner_id,
                 (%(sdr_grid)s::int[])[array_position(%(segments)s::bigint[], l.segment_id)][
                     1 + l.id %% %(width)s])
                 ELSE l.owner_id END AS actor,
            CASE WHEN l.stage = 'nurture' AND l.owner_id IS NULL THEN 'nurture-floor'
                 ELSE '' END AS rule,
            CASE WHEN l.stage = 'disqualified' THEN 'Not a fit on the first call'
                 WHEN l.stage = 'nurture' AND l.owner_id IS NOT NULL THEN 'Back next quarter'
                 ELSE '' END AS note) m
        WHERE {ours} AND l.stage NOT IN ('new', 'mql')
        """,
        params,
    )
    return marked + cursor.rowcount


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
