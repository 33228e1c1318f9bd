"""Accounts as the unit of truth, in the demo: a group with two domains and its regional arm,
an account enriched from the demo's own firmographics file, leads matched to accounts (two
waiting in the match review, a Gmail lead linked by its company's name) and duplicates found
by detection (candidate pairs of each kind, one pair merged by itself).

All of it goes through the app's own paths: `accounts.domains`, the firmographics loader and
enrichment, and intake's `ingest`, which matches, enriches and detects as it does for the form,
the JSON API and an import. Nothing here draws from the demo's random stream, so the stories
before it come out the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from accounts.domains import add_domain
from accounts.models import Account
from demo.state import Demo
from qualification.enrichment.enrich import enrich_accounts
from qualification.enrichment.firmographics_file import load_firmographics
from qualification.intake.batch import ingest
from qualification.intake.rows import LeadRow
from qualification.models import OPEN_STAGES, Activity, Lead, Source, Stage
from qualification.scoring.fit import account_fit

FIRMOGRAPHICS = Path(__file__).with_name("firmographics.csv")
FIRMOGRAPHICS_SOURCE = "demo-list"
FIRMOGRAPHICS_CURRENCY = "EUR"  # the made-up revenue in the file, in the app's currency
GROUP = "Meridian Freight Group"
GROUP_SECOND_DOMAIN = "meridianfreight.com"
ARM = ("Meridian Freight UK", "meridianfreight.co.uk")
# Typed company names close to an account's, under the upper threshold: they wait for RevOps.
IN_REVIEW = (
    ("Priya", "Natarajan", "priya.natarajan@copperleaf-fin.co.uk", "Copperleaf Financial"),
    ("Tomasz", "Wrobel", "t.wrobel@ironbridge-insurers.com", "Ironbridge Insurers"),
)
# A Gmail address says nothing about the company; the typed name does.
GMAIL_BY_NAME = ("Rory", "Fitzgerald", "rory.fitzgerald.ops@gmail.com", "Harbourline Telecom Ltd")
LIVE = OPEN_STAGES | {Stage.NURTURE}


def show_accounts(demo: Demo) -> None:
    arm = group_and_arm(demo)
    enrich_from_demo_list(demo, arm)
    match_typed_companies(demo)
    come_in_again(demo)


def group_and_arm(demo: Demo) -> Account:
    reason = "Demo data: the group's .com and its UK arm"
    group = Account.objects.get(name=GROUP)
    add_domain(account=group, domain=GROUP_SECOND_DOMAIN, reason=reason)
    name, domain = ARM
    arm = Account(name=name, parent=group, territory="UK & Ireland", region="EMEA")
    fit = account_fit(arm, rules=demo.icp_rules, cutoffs=demo.icp_cutoffs)
    arm.icp_tier, arm.icp_reasons = fit.tier, fit.reasons
    arm._change_reason = reason
    arm._history_date = demo.now - dt.timedelta(days=30)
    arm.save()
    add_domain(account=arm, domain=domain, primary=True, reason=reason)
    demo.accounts.append(arm)
    demo.members[arm.pk] = []
    return arm


def enrich_from_demo_list(demo: Demo, arm: Account) -> None:
    """What `manage.py load_firmographics demo/firmographics.csv --source demo-list
    --currency EUR` and `manage.py enrich_accounts` do: the arm, known by nothing but its name
    and domain, gets its industry, head count, revenue and country, each with an "enriched"
    badge, and a tier."""
    load_firmographics(FIRMOGRAPHICS, source=FIRMOGRAPHICS_SOURCE, currency=FIRMOGRAPHICS_CURRENCY)
    enrich_accounts(
        account_ids=Account.objects.values_list("pk", flat=True),
        now=demo.now - dt.timedelta(days=2),
    )


def _row(
    line: int, first: str, last: str, email: str, company: str = "", *, at: dt.datetime, **more
) -> LeadRow:
    """A web form's row, with the form submission it came from (an hour before it arrives)."""
    return LeadRow(
        line=line,
        first_name=first,
        last_name=last,
        email=email,
        company=company,
        answers={"Use case": "Lead routing"},
        activities=[(Activity.Kind.DEMO_REQUEST, at - dt.timedelta(hours=1))],
        **more,
    )


def match_typed_companies(demo: Demo) -> None:
    at = demo.now - dt.timedelta(hours=5)
    people = [*IN_REVIEW, GMAIL_BY_NAME]
    ingest(
        [_row(n, *person, at=at) for n, person in enumerate(people, start=1)],
        segment=demo.segments["core-inbound"],
        source_system="demo-form",
        default_source=Source.FORM,
        now=at,
    )


def come_in_again(demo: Demo) -> None:
    """People already in the demo arrive again through intake, each in their own lead's
    segment, and detection pairs them: a +tag on the same inbox (merged by itself, undo on its
    merge page), a phone number typed another way, the same name from another address at the
    same company, and a typo in the name."""
    picked: list[Lead] = []
    used_accounts: set[int] = set()
    for lead in (
        Lead.objects.filter(stage__in=LIVE, duplicate_of=None, account__isnull=False)
        .exclude(contact__phone="")
        .select_related("contact", "account", "segment")
        .order_by("pk")
    ):
        if lead.account_id in used_accounts or lead.contact.email_kind != "work":
            continue
        if Lead.objects.filter(contact=lead.contact).count() > 1:
            continue
        used_accounts.add(lead.account_id)
        picked.append(lead)
        if len(picked) == 7:
            break
    plus_tag, phone_a, phone_b, name_a, name_b, typo_a, typo_b = picked
    at = demo.now - dt.timedelta(hours=3)
    arrivals = []  # (whose lead it pairs with, first name, last name, email, more)
    local, domain = plus_tag.contact.email.split("@")
    arrivals.append((plus_tag, None, None, f"{local}+webinar@{domain}", {}))
    for lead in (phone_a, phone_b):
        contact = lead.contact
        arrivals.append(
            (
                lead,
                contact.first_name[:1],
                None,
                f"{contact.last_name.lower()}.office@{contact.account.domain}",
                {"phone": _typed_another_way(contact.phone), "country": contact.country},
            )
        )
    for lead in (name_a, name_b):
        contact = lead.contact
        initial = contact.first_name[:1].lower()
        email = f"{initial}{contact.last_name.lower()}@{contact.account.domain}"
        arrivals.append((lead, None, None, email, {}))
    for lead in (typo_a, typo_b):
        contact = lead.contact
        email = f"{contact.first_name.lower()}@{contact.account.domain}"
        arrivals.append((lead, None, _typo(contact.last_name), email, {}))
    for lead, first, last, email, more in arrivals:
        row = _row(
            1,
            first or lead.contact.first_name,
            last or lead.contact.last_name,
            email,
            at=at,
            **more,
        )
        ingest(
            [row],
            segment=lead.segment,
            source_system="demo-form",
            default_source=Source.FORM,
            now=at,
        )


def _typed_another_way(e164: str) -> str:
    """+442079460123 as a person types it: 020 7946 0123; +12125550123 as (212) 555-0123."""
    if e164.startswith("+44"):
        national = "0" + e164[3:]
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if e164.startswith("+1"):
        digits = e164[2:]
        return f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return e164


def _typo(name: str) -> str:
    """Two letters swapped in the middle of the name: Hartmann → Hartamnn."""
    middle = len(name) // 2
    return name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :]
