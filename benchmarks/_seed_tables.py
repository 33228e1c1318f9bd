"""The large dataset's tables, each written by one `INSERT … SELECT generate_series(…)` in
the seeding transaction (benchmarks/seed_large.py runs them in order). Pseudo-random values
are hashes of the row number (`pg_temp.rnd`), so the same row always gets the same values."""

from __future__ import annotations

from _seed_data import (
    ACCOUNTS,
    ACTIVITIES,
    ACTIVITY_KINDS,
    CONTACTS_PER_ACCOUNT,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEADS,
    MARKER,
    NEXT_ACTIONS,
    PREFIXES,
    SEGMENTS,
    SIGNALS,
    STAGES,
    SUFFIXES,
    TERRITORIES,
    TIMELINES,
    TITLES,
    USAGE,
    USE_CASES,
)


class Summary(dict):
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


def insert_accounts(cursor, people) -> int:
    # Matching's derived columns, as Account.save() writes them: one per prefix and suffix pair.
    from accounts.normalize import acronym, company_key, name_digits

    names = [f"{prefix} {suffix}" for prefix in PREFIXES for suffix in SUFFIXES]
    cursor.execute(
        """
        INSERT INTO accounts_account (name, name_key, name_acronym, name_digits, domain, industry,
            employee_count, annual_revenue, country, region, tech_stack, relationship,
            territory, icp_tier, icp_reasons,
            owner_id, created_at, updated_at)
        SELECT
            p.prefix || ' ' || p.suffix,
            (%(keys)s::text[])[p.k], (%(acronyms)s::text[])[p.k], (%(digits)s::text[])[p.k],
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
            (%(suffixes)s::text[])[1 + (n / %(n_prefixes)s) %% %(n_suffixes)s] AS suffix,
            1 + (n %% %(n_prefixes)s) * %(n_suffixes)s + (n / %(n_prefixes)s) %% %(n_suffixes)s
                AS k) p
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
            "keys": [company_key(name) for name in names],
            "acronyms": [acronym(name) for name in names],
            "digits": [name_digits(name) for name in names],
        },
    )
    first = _contiguous(cursor, "accounts_account", ACCOUNTS)
    # Each account's domain is its primary AccountDomain, as accounts.domains writes it; every
    # tenth account has a second domain, so lookups by any domain are measured too.
    cursor.execute(
        """
        INSERT INTO accounts_accountdomain (account_id, domain, is_primary, created_at)
        SELECT id, domain, TRUE, created_at FROM accounts_account WHERE id >= %(first)s
        UNION ALL
        SELECT id, replace(domain, '.example', '-group.example'), FALSE, created_at
        FROM accounts_account WHERE id >= %(first)s AND id %% 10 = 0
        """,
        {"first": first},
    )
    return first


def insert_contacts(cursor, account_base: int) -> int:
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


def insert_leads(cursor, contact_base: int, people) -> int:
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
            last_activity_at, external_source, external_id, created_at, updated_at)
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
            %(marker)s, n::text, t.created, now()
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


def insert_activities(cursor, contact_base: int, lead_base: int) -> int:
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


def insert_transitions(cursor, lead_base: int, people) -> int:
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


def insert_duplicates(cursor) -> Summary:
    """Make a few hundred pairs of live leads at one account and in one segment duplicates of
    the kinds detection looks for (benchmarks/duplicates.py measures finding them), a quarter
    of each: the second lead's contact gets the first's inbox with a +tag, both get one phone
    number, the second takes the first's name, or the first's name with its last letter
    doubled (trigram similarity about 0.8)."""
    cursor.execute(
        """
        CREATE TEMPORARY TABLE bench_duplicate_pairs ON COMMIT DROP AS
        WITH live AS (
            SELECT id, contact_id, account_id, segment_id, row_number() OVER (
                PARTITION BY account_id, segment_id ORDER BY id) AS rank
            FROM qualification_lead
            WHERE external_source = %(marker)s AND account_id %% 25 = 0
              AND stage IN ('new', 'mql', 'sal', 'sql', 'opportunity', 'nurture'))
        SELECT row_number() OVER (ORDER BY a.id) AS k, a.contact_id AS one, b.contact_id AS other
        FROM live a JOIN live b ON b.account_id = a.account_id AND b.segment_id = a.segment_id
        WHERE a.rank = 1 AND b.rank = 2
        """,
        {"marker": MARKER},
    )
    cursor.execute(
        """
        UPDATE accounts_contact c SET email = replace(o.email, '@', '+bench@')
        FROM bench_duplicate_pairs p JOIN accounts_contact o ON o.id = p.one
        WHERE c.id = p.other AND p.k % 4 = 0
        """
    )
    emails = cursor.rowcount
    cursor.execute(
        """
        UPDATE accounts_contact c SET phone = '+4420794' || lpad(p.k::text, 5, '0')
        FROM bench_duplicate_pairs p WHERE c.id IN (p.one, p.other) AND p.k % 4 = 1
        """
    )
    phones = cursor.rowcount // 2
    cursor.execute(
        """
        UPDATE accounts_contact c SET first_name = o.first_name,
            last_name = CASE WHEN p.k % 4 = 2 THEN o.last_name
                             ELSE o.last_name || right(o.last_name, 1) END
        FROM bench_duplicate_pairs p JOIN accounts_contact o ON o.id = p.one
        WHERE c.id = p.other AND p.k % 4 IN (2, 3)
        """
    )
    cursor.execute(
        "SELECT count(*) FILTER (WHERE k % 4 = 2), count(*) FILTER (WHERE k % 4 = 3) "
        "FROM bench_duplicate_pairs"
    )
    names, near = cursor.fetchone()
    return Summary(
        f"{emails} same inbox, {phones} same phone, {names} same name, {near} similar name",
        {"emails": emails, "phones": phones, "names": names, "similar": near},
    )
