"""Planning: which contact lives which path, in which segment, and when each step happens."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.management.base import CommandError

from accounts.models import Account, Contact, IcpTier
from demo.data import (
    HORIZON_DAYS,
    MQL_AGE_HOURS,
    PATHS,
    PLAYBOOKS,
    SEGMENTS,
    STEP_GAP_HOURS,
    Path,
)
from demo.state import Demo, Story
from qualification.models import (
    Segment,
    Stage,
)


def plan_stories(demo: Demo) -> list[Story]:
    """Give each path its contacts, segments, owners and timeline, spreading leads evenly."""
    rng = demo.rng
    load: Counter = Counter()
    pairs: set[tuple[str, str]] = set()
    stories: list[Story] = []
    for path in PATHS:
        for _ in range(path.count):
            times = timeline(demo, path)
            survivor = None
            if path.cast == "duplicate":
                survivor = rng.choice(
                    [
                        story
                        for story in stories
                        if story.final_stage in (Stage.MQL, Stage.SAL, Stage.SQL)
                        and is_fit(story.contact)
                        and story.times[0] < times[0]
                        and not any(other.survivor is story for other in stories)
                    ]
                )
                contact, segment = survivor.contact, survivor.segment
            else:
                contact, segment = pick_contact(demo, path, load, pairs)
            load[contact.email] += 1
            pairs.add((contact.email, segment.slug))
            owner = contact.account.owner if contact.account else None
            stories.append(
                Story(
                    path=path,
                    contact=contact,
                    segment=segment,
                    survivor=survivor,
                    sdr=rng.choice(segment_sdrs(demo, segment)),
                    ae=owner or rng.choice([demo.users["ae"], demo.users["ae2"]]),
                    times=times,
                )
            )
    return stories


def segment_sdrs(demo: Demo, segment: Segment) -> list:
    spec = next(spec for spec in SEGMENTS if spec["slug"] == segment.slug)
    return [demo.users[name] for name in spec["sdrs"]]


def pick_contact(demo: Demo, path: Path, load: Counter, pairs: set) -> tuple[Contact, Segment]:
    rng = demo.rng
    slugs = list(PLAYBOOKS)
    first = rng.choices(slugs, weights=[PLAYBOOKS[slug][3] for slug in slugs])[0]
    candidates = [path.segment] if path.segment else [first, *(s for s in slugs if s != first)]
    for slug in candidates:
        pool = [
            contact
            for contact in demo.contacts
            if casts(demo, contact, path.cast)
            and suits(contact, slug)
            and (contact.email, slug) not in pairs
        ]
        if pool:
            least = min(load[contact.email] for contact in pool)
            contact = rng.choice([c for c in pool if load[c.email] == least])
            return contact, demo.segments[slug]
    raise CommandError(f"No demo contact fits the “{path.name}” story.")


def is_fit(contact: Contact) -> bool:
    account = contact.account
    return (
        account is not None
        and account.icp_tier in (IcpTier.A, IcpTier.B)
        and account.relationship != Account.Relationship.COMPETITOR
        and contact.email_kind == Contact.EmailKind.WORK
        and contact.persona_function not in ("hr", "student", "")
        and contact.persona_seniority != "student"
    )


def is_junk(contact: Contact) -> bool:
    account = contact.account
    return (
        contact.email_kind in (Contact.EmailKind.DISPOSABLE, Contact.EmailKind.INVALID)
        or (account is None and contact.persona_function == "student")
        or (account is not None and account.relationship == Account.Relationship.COMPETITOR)
    )


def casts(demo: Demo, contact: Contact, cast: str) -> bool:
    """Whether the contact can play a part in a story of this kind."""
    if cast == "fit":
        return is_fit(contact)
    if cast == "buyer":
        return (
            is_fit(contact)
            and contact.persona_seniority in ("manager", "director", "vp", "c_level")
            and len(demo.members[contact.account.pk]) >= 3
        )
    if cast == "tier_c":
        return (
            contact.account is not None
            and contact.account.icp_tier == IcpTier.C
            and contact.email_kind == Contact.EmailKind.WORK
            and contact.persona_function not in ("hr", "student")
        )
    if cast == "unfit":  # the rules cannot make it an MQL whatever its score
        tier = contact.account.icp_tier if contact.account else ""
        return tier not in (IcpTier.A, IcpTier.B) and not is_junk(contact)
    if cast == "modest":  # little fit and no title to lift a score
        tier = contact.account.icp_tier if contact.account else ""
        return (
            tier != IcpTier.A
            and contact.persona_seniority not in ("c_level", "vp")
            and not is_junk(contact)
        )
    if cast == "junk":
        return is_junk(contact)
    raise ValueError(f"unknown cast {cast!r}")


def suits(contact: Contact, slug: str) -> bool:
    employees = contact.account.employee_count if contact.account else 0
    if slug == "enterprise-outbound":
        return employees >= 500 and contact.email_kind == Contact.EmailKind.WORK
    if slug == "self-serve-plg":
        return employees <= 1500
    return True


def timeline(demo: Demo, path: Path) -> list[dt.datetime]:
    """When the lead was captured and when each step happened, oldest first, all in the past."""
    rng = demo.rng
    gaps = [dt.timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step])) for step in path.steps]
    if path.age_hours is None:
        ranges, weights = zip(*MQL_AGE_HOURS, strict=True)
        age_range = rng.choices(ranges, weights=weights)[0]
    else:
        age_range = path.age_hours
    age = dt.timedelta(hours=rng.uniform(*age_range))
    span = age + sum(gaps, dt.timedelta())
    horizon = dt.timedelta(days=HORIZON_DAYS)
    if span > horizon:
        scale = horizon / span
        gaps, age = [gap * scale for gap in gaps], age * scale
    moment = demo.now - age
    times = [moment]
    for gap in reversed(gaps):
        moment -= gap
        times.append(moment)
    times.reverse()
    return times
