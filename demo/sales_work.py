"""Sales work around the transitions: touches, notes, discovery and buying groups."""

from __future__ import annotations

import datetime as dt

from accounts.models import BuyingGroupRole, Contact
from demo.data import (
    ANSWER_EVIDENCE,
    ANSWERS,
    DISCOVERY_NOTES,
    PLAYBOOKS,
)
from demo.state import Demo, Story
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Lead,
)


def add_activity(
    demo: Demo, story: Story, kind: str, at: dt.datetime, detail: str = "", actor=None
) -> None:
    session = f"{demo.rng.getrandbits(48):012x}" if kind == Activity.Kind.WEB_SESSION else ""
    activity = Activity(
        contact=story.contact,
        lead=story.lead,
        kind=kind,
        occurred_at=at,
        detail=detail,
        session_key=session,
        actor=actor,
    )
    story.activities.append(activity)
    demo.activities.append(activity)


def sdr_touches(
    demo: Demo,
    story: Story,
    before: dt.datetime,
    at: dt.datetime,
    *,
    outcome: str,
    attempts: int = 1,
) -> None:
    """The SDR's attempts between the MQL and the decision at `at`, ending with a call."""
    rng = demo.rng
    touches = [demo.between(before, at) for _ in range(attempts - 1 + (rng.random() < 0.5))]
    for index, moment in enumerate(sorted(touches)):
        kind = Activity.Kind.EMAIL_SENT if index % 2 == 0 else Activity.Kind.CALL
        detail = "Intro email" if kind == Activity.Kind.EMAIL_SENT else "No answer"
        add_activity(demo, story, kind, moment, detail, actor=story.sdr)
    call = max(before, at - dt.timedelta(minutes=rng.randint(2, 20)))
    add_activity(demo, story, Activity.Kind.CALL, call, outcome, actor=story.sdr)
    # The SDR's first attempt is the lead's first touch. It happened before the decision, so it
    # is recorded now; the engine sets the first touch only on a lead nobody touched before.
    first = min([call, *touches])
    Lead.objects.filter(pk=story.lead.pk, first_touch_at__isnull=True).update(first_touch_at=first)


def ae_touch(demo: Demo, story: Story, kind: str, detail: str, at: dt.datetime) -> None:
    add_activity(demo, story, kind, at, detail, actor=story.ae)


def add_note(demo: Demo, story: Story, author, at: dt.datetime) -> None:
    body = demo.rng.choice(DISCOVERY_NOTES).format(first=story.contact.first_name)
    DiscoveryNote.objects.create(lead=story.lead, author=author, body=body, created_at=at)


def start_discovery(demo: Demo, story: Story, at: dt.datetime, *, complete: bool) -> None:
    """The segment's framework checklist: at its SQL minimum when `complete`, else underway."""
    rng = demo.rng
    framework, items = demo.frameworks[PLAYBOOKS[story.segment.slug][2]]
    checklist = Checklist.objects.create(lead=story.lead, framework=framework, created_at=at)
    names = buying_group_names(demo, story)
    month = f"{demo.days_ahead(30, 120):%B}"
    statuses = ChecklistAnswer.Status
    for item in items:
        if complete and item.required_for_sql:
            status = statuses.CONFIRMED
        elif complete:
            status = rng.choice([statuses.CONFIRMED, statuses.PARTIAL, statuses.UNKNOWN])
        else:
            status = rng.choice(
                [statuses.CONFIRMED, statuses.PARTIAL, statuses.UNKNOWN, statuses.UNKNOWN]
            )
        if status == statuses.UNKNOWN:
            answer = evidence = ""
        else:
            answer = rng.choice(ANSWERS[item.key]).format(month=month, **names)
            evidence = rng.choice(ANSWER_EVIDENCE).format(**names)
        row = ChecklistAnswer(
            checklist=checklist, item=item, status=status, answer=answer, evidence=evidence
        )
        row._history_date = at
        row.save()


def buying_group_names(demo: Demo, story: Story) -> dict[str, str]:
    buyer = demo.economic_buyers.get(story.lead.account_id) or economic_buyer_for(demo, story)
    return {"champion": story.contact.full_name, "buyer": f"{buyer.full_name} ({buyer.title})"}


SENIORITY_RANK = {"c_level": 5, "vp": 4, "director": 3, "manager": 2, "individual": 1}


def economic_buyer_for(demo: Demo, story: Story) -> Contact:
    """Finance or the C-suite first, then the most senior; not the champion when it can be."""
    members = demo.members.get(story.lead.account_id) or [story.contact]
    return max(
        members,
        key=lambda contact: (
            contact.persona_function == "finance" or contact.persona_seniority == "c_level",
            SENIORITY_RANK.get(contact.persona_seniority, 0),
            contact != story.contact,
        ),
    )


def seat_for(contact: Contact) -> str | None:
    roles_ = BuyingGroupRole.Role
    title = contact.title.lower()
    if contact.persona_function == "it_engineering":
        return (
            roles_.SECURITY_LEGAL
            if "secur" in title or "ciso" in title
            else roles_.TECHNICAL_EVALUATOR
        )
    if contact.persona_function == "operations":
        return roles_.PROCUREMENT
    if contact.persona_seniority in ("vp", "director", "c_level"):
        return (
            roles_.DECISION_MAKER if contact.persona_seniority == "c_level" else roles_.INFLUENCER
        )
    if contact.persona_function in ("sales", "marketing"):
        return roles_.USER
    return None  # not everyone at a company sits on the committee


def map_buying_group(demo: Demo, story: Story, at: dt.datetime, *, full: bool) -> None:
    """Seat the champion and, when `full`, the committee around them with an economic buyer.

    A person keeps the seat they were first given; only the economic buyer may hold a second.
    """
    rng = demo.rng
    account = story.lead.account
    seated = demo.seated.setdefault(account.pk, {})
    sentiments = BuyingGroupRole.Sentiment
    if story.contact.pk not in seated:
        seat(
            demo,
            story,
            story.contact,
            BuyingGroupRole.Role.CHAMPION,
            sentiments.POSITIVE,
            "Runs the evaluation; brought us in.",
            at,
        )
    if not full:
        return
    if account.pk not in demo.economic_buyers:
        buyer = economic_buyer_for(demo, story)
        demo.economic_buyers[account.pk] = buyer
        seat(
            demo,
            story,
            buyer,
            BuyingGroupRole.Role.ECONOMIC_BUYER,
            sentiments.NEUTRAL,
            "Owns the budget; wants a business case.",
            at,
        )
    for contact in demo.members[account.pk]:
        role = seat_for(contact)
        if role is None or contact.pk in seated:
            continue
        sentiment = rng.choice(
            [sentiments.POSITIVE, sentiments.NEUTRAL, sentiments.NEUTRAL, sentiments.NEGATIVE]
        )
        note = "Prefers building it in the CRM." if sentiment == sentiments.NEGATIVE else ""
        seat(demo, story, contact, role, sentiment, note, at)


def seat(
    demo: Demo,
    story: Story,
    contact: Contact,
    role: str,
    sentiment: str,
    note: str,
    at: dt.datetime,
) -> None:
    account = story.lead.account
    demo.seated.setdefault(account.pk, {}).setdefault(contact.pk, role)
    row = BuyingGroupRole(
        account=account, contact=contact, role=role, sentiment=sentiment, notes=note, created_at=at
    )
    row._change_reason = "Mapped in discovery"
    row._history_user = story.ae
    row._history_date = at
    row.save()
