"""Users, segments, companies and people."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts import roles
from accounts.domains import add_domain
from accounts.models import Account, Contact, IcpTier
from accounts.normalize import email_kind, normalize_phone, title_to_persona
from demo.data import (
    ADMIN_USER,
    COMPANIES,
    CRMS,
    DEMO_PASSWORD,
    DEMO_USERS,
    FIRST_NAMES,
    LAST_NAMES,
    REVENUE_PER_HEAD,
    SEATS_BY_TIER,
    SEGMENTS,
    STRAY_CONTACTS,
    TECH_TAGS,
    TERRITORIES,
)
from demo.state import Demo
from qualification.models import (
    Segment,
)
from qualification.scoring.fit import account_fit


def create_users(demo: Demo) -> None:
    User = get_user_model()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is the slow part
    for username, first, last, role, is_staff in DEMO_USERS:
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
            email=f"{username}@leadreview.example",
            password=password,
        )
        user.groups.add(groups[role])
        demo.users[username] = user
    username, first, last = ADMIN_USER
    admin = User.objects.filter(username=username).first()
    if admin is None:
        demo.admin_created = True
        admin = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            is_staff=True,
            is_superuser=True,
            email=f"{username}@leadreview.example",
            password=password,
        )
    demo.users[username] = admin


def create_segments(demo: Demo) -> None:
    for spec in SEGMENTS:
        values = {key: value for key, value in spec.items() if key not in ("slug", "sdrs")}
        segment, _ = Segment.objects.get_or_create(slug=spec["slug"], defaults=values)
        segment.sdrs.add(*(demo.users[name] for name in spec["sdrs"]))
        demo.segments[segment.slug] = segment


def create_accounts(demo: Demo) -> None:
    """The companies, each placed against RevOps' ICP rules; the AEs own the best of them."""
    rng = demo.rng
    aes, owned = [demo.users["ae"], demo.users["ae2"]], 0
    for index, (name, domain, industry, employees, country, relationship) in enumerate(COMPANIES):
        territory, region = TERRITORIES.get(country, ("", "LATAM" if country == "BR" else "APAC"))
        per_head = REVENUE_PER_HEAD.get(industry, 160_000) * rng.uniform(0.7, 1.3)
        account = Account(
            name=name,
            industry=industry,
            employee_count=employees,
            annual_revenue=Decimal(round(employees * per_head, -5)),
            country=country,
            region=region,
            tech_stack=sorted(
                rng.sample(TECH_TAGS, rng.randint(2, 4))
                + ([CRMS[domain]] if domain in CRMS else [])
            ),
            relationship=relationship,
            territory=territory,
            created_at=demo.now - dt.timedelta(days=rng.randint(120, 720)),
        )
        fit = account_fit(account, rules=demo.icp_rules, cutoffs=demo.icp_cutoffs)
        account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
        if (
            relationship == "customer"
            or fit.tier == IcpTier.A
            or (fit.tier == IcpTier.B and index % 2 == 0)
        ):
            account.owner = aes[owned % 2]
            owned += 1
        account._change_reason = "Demo data: imported from the CRM"
        account._history_date = account.created_at
        account.save()
        add_domain(account=account, domain=domain, primary=True, reason=account._change_reason)
        demo.accounts.append(account)
        demo.members[account.pk] = []


def create_contacts(demo: Demo) -> None:
    rng = demo.rng
    names_used: set[tuple[str, str]] = set()
    for account in demo.accounts:
        for titles in SEATS_BY_TIER[account.icp_tier]:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            while (first, last) in names_used:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            names_used.add((first, last))
            local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
            add_contact(demo, account, first, last, f"{local}@{account.domain}", rng.choice(titles))
    by_domain = {account.domain: account for account in demo.accounts}
    for first, last, email, title, domain in STRAY_CONTACTS:
        add_contact(demo, by_domain.get(domain), first, last, email, title)


def add_contact(demo: Demo, account, first: str, last: str, email: str, title: str) -> None:
    function, seniority = title_to_persona(title)
    kind = email_kind(email)
    country = account.country if account else ""
    basis = (
        Contact.LawfulBasis.CONTRACT
        if account and account.relationship == Account.Relationship.CUSTOMER
        else demo.rng.choice([Contact.LawfulBasis.CONSENT, Contact.LawfulBasis.LEGITIMATE_INTEREST])
    )
    contact = Contact(
        account=account,
        first_name=first,
        last_name=last,
        email=email,
        email_kind=kind,
        title=title,
        persona_function=function,
        persona_seniority=seniority,
        phone=fictional_phone(demo.rng, country),
        country=country,
        lawful_basis=basis,
        do_not_contact=kind == Contact.EmailKind.DISPOSABLE,
    )
    contact._change_reason = "Demo data: imported from the CRM"
    contact.save()
    demo.contacts.append(contact)
    if account is not None:
        demo.members[account.pk].append(contact)


def fictional_phone(rng: random.Random, country: str) -> str:
    """Numbers from the ranges set aside for drama, so no real line is ever printed; stored in
    E.164 as intake stores them."""
    if country == "GB":
        return normalize_phone(f"020 7946 0{rng.randint(0, 999):03d}", country)
    if country in ("US", "CA"):
        area = rng.choice(["212", "415", "617", "416"])
        return normalize_phone(f"({area}) 555-01{rng.randint(0, 99):02d}", country)
    return ""
