"""Capturing a lead: what the contact did, the score as of then, and the stage rules."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import CommandError

from demo.data import (
    ASSETS,
    BLOG_POSTS,
    BOOSTERS,
    BUYING_PAGES,
    PLAYBOOKS,
    USE_CASES,
    WEBINARS,
)
from demo.moves import apply_rules
from demo.state import Demo, Story
from qualification.models import (
    Activity,
    Lead,
    Source,
)
from qualification.scoring.intent import score_leads


def capture(demo: Demo, story: Story) -> Lead:
    """Create the lead at stage new with what the contact did, and score it as of that moment.

    The stage rules then act on the score unless the story's first step is theirs to take.
    """
    rng = demo.rng
    contact, segment = story.contact, story.segment
    motion, sources, _, _ = PLAYBOOKS[segment.slug]
    source = rng.choice(sources)
    if story.path.source:
        source = story.path.source
    elif story.survivor is not None and segment.slug == "core-inbound":
        source = Source.DEMO_REQUEST  # the duplicate: the same person asking again
    captured = story.times[0]
    lead = Lead(
        contact=contact,
        account=contact.account,
        segment=segment,
        source=source,
        motion=motion,
        fit_tier=contact.account.icp_tier if contact.account else "",
        form_answers=form_answers(rng, story, source),
        created_at=captured,
        stage_entered_at=captured,
    )
    lead._change_reason = f"Captured: {Source(source).label}"
    lead._history_date = captured  # simple-history dates the history row with it
    lead.save()
    story.lead = lead

    intent = story.path.intent
    if intent == "mixed":
        intent = rng.choice(["high", "review"])
    record_signals(demo, story, intent_signals(demo, story, source, intent, captured))
    reach_intent(demo, story, intent, captured)
    first_step = story.path.steps[0] if story.path.steps else None
    if first_step in (None, "mql-review", "mql-override"):
        apply_rules(demo, story, expected="manual_review", at=captured)
    return lead


def intent_signals(demo: Demo, story: Story, source: str, intent: str, captured: dt.datetime):
    """What the contact did before (and when) the lead was captured: (kind, detail, time)."""
    rng = demo.rng
    kinds = Activity.Kind
    week_before = captured - dt.timedelta(days=7)
    two_weeks_before = captured - dt.timedelta(days=14)
    signals: list[tuple[str, str, dt.datetime]] = []

    def before(kind, detail, start=None):
        signals.append(
            (kind, detail, demo.between(start or captured - dt.timedelta(days=21), captured))
        )

    if source == Source.PRODUCT_SIGNUP:
        signals.append((kinds.PRODUCT_SIGNUP, "Free plan, signed up with Google", captured))
        if intent == "high":
            before(
                kinds.PRODUCT_ACTIVATION, "Connected the CRM and routed a first lead", week_before
            )
            for _ in range(rng.randint(1, 3)):
                before(kinds.PRODUCT_INVITE, "Invited a teammate", week_before)
            if rng.random() < 0.5:
                before(kinds.PRODUCT_LIMIT_HIT, "Hit the free plan's 5-seat limit", week_before)
    else:
        signals.append((*capture_signal(rng, source), captured))
        if intent == "high":
            before(kinds.PRICING_PAGE, "/pricing", two_weeks_before)
            for _ in range(rng.randint(3, 4)):
                before(kinds.WEB_SESSION, "Website session", week_before)
            if rng.random() < 0.5:
                before(*rng.choice(BUYING_PAGES), two_weeks_before)
    if intent == "review":
        before(kinds.WEB_SESSION, "Website session")
        before(kinds.BLOG_READ, rng.choice(BLOG_POSTS))
    elif intent == "low":
        before(kinds.BLOG_READ, rng.choice(BLOG_POSTS))
        before(kinds.EMAIL_OPEN, "Newsletter")
        if rng.random() < 0.35:
            before(kinds.CAREERS_PAGE, "/careers/account-executive")
    return signals


def record_signals(demo: Demo, story: Story, signals) -> None:
    """Save what the contact did now: the scoring reads it from the database."""
    rows = [
        Activity(
            contact=story.contact,
            lead=story.lead,
            kind=kind,
            occurred_at=at,
            detail=detail,
            session_key=session_key(demo.rng, kind),
        )
        for kind, detail, at in signals
    ]
    Activity.objects.bulk_create(rows)
    story.activities.extend(rows)


def score_as_of(story: Story, at: dt.datetime) -> int:
    score_leads([story.lead.pk], now=at)
    story.lead.refresh_from_db(
        fields=["intent_score", "intent_band", "score_explanation", "fit_tier", "scored_at"]
    )
    return story.lead.intent_score


def reach_intent(demo: Demo, story: Story, intent: str, at: dt.datetime) -> None:
    """Score the lead as of `at`; while it is under the band its story needs, the contact does
    a little more (a signal at a time), as people on their way to that band do."""
    segment = story.segment
    low, high = {
        "high": (segment.mql_threshold, 100),
        "review": (segment.nurture_floor, segment.mql_threshold - 1),
        "low": (0, segment.nurture_floor - 1),
        "any": (0, 100),
    }[intent]
    boosters = list(BOOSTERS.get(intent, ()))
    demo.rng.shuffle(boosters)
    score = score_as_of(story, at)
    while score < low and boosters:
        kind, detail = boosters.pop()
        moment = at - dt.timedelta(hours=demo.rng.uniform(0.5, 72))
        record_signals(demo, story, [(kind, detail, moment)])
        score = score_as_of(story, at)
    if not low <= score <= high:
        raise CommandError(
            f"Demo lead {story.contact.email} scored {score} in {segment.name}; its story "
            f"needs {low}–{high}. The seeded scoring rules and the demo's stories disagree."
        )


def session_key(rng: random.Random, kind: str) -> str:
    return f"{rng.getrandbits(48):012x}" if kind == Activity.Kind.WEB_SESSION else ""


def capture_signal(rng: random.Random, source: str) -> tuple[str, str]:
    """The activity that brought the lead in, by its source."""
    kinds = Activity.Kind
    return {
        Source.DEMO_REQUEST: (kinds.DEMO_REQUEST, "Demo request form"),
        Source.WEBINAR: (kinds.WEBINAR, f"Webinar: {rng.choice(WEBINARS)}"),
        Source.CONTENT: (kinds.WHITE_PAPER, rng.choice(ASSETS)),
        Source.FORM: (kinds.WEB_SESSION, "Submitted the contact form"),
        Source.EVENT: (kinds.WEB_SESSION, "Badge scanned at RevOps Forum London, stand 14"),
        Source.PARTNER: (kinds.WEB_SESSION, "Referred by Brightline Consulting"),
        Source.OUTBOUND: (kinds.EMAIL_REPLY, "Replied to step 3 of the outbound sequence"),
        Source.LIST_IMPORT: (kinds.EMAIL_CLICK, "Clicked the event follow-up email"),
    }[source]


def form_answers(rng: random.Random, story: Story, source: str) -> dict:
    account = story.contact.account
    team = str(rng.choice([4, 8, 12, 25, 40, 60, 120]))
    if source in (Source.FORM, Source.DEMO_REQUEST):
        answers = {
            "Team size": team,
            "Use case": rng.choice(USE_CASES),
            "Current tool": rng.choice(
                ["Spreadsheets", "CRM reports", "An in-house scoring script", "Nothing formal"]
            ),
        }
        if source == Source.DEMO_REQUEST:
            answers["Timeline"] = rng.choice(["This quarter", "Next quarter", "Just researching"])
        return answers
    if source == Source.WEBINAR:
        return {"Webinar": rng.choice(WEBINARS), "Team size": team}
    if source == Source.CONTENT:
        return {"Asset": rng.choice(ASSETS), "Role": story.contact.title or "Not given"}
    if source == Source.PRODUCT_SIGNUP:
        workspace = account.domain.split(".")[0] if account else story.contact.last_name.lower()
        return {"Workspace": workspace, "Plan": "Free", "Seats used": f"{rng.randint(2, 5)} of 5"}
    if source == Source.OUTBOUND:
        return {
            "Sequence": "Enterprise ops leaders — Q3",
            "Reply": rng.choice(
                [
                    "Timing is good, we are reviewing lead routing now.",
                    "Send me something short I can forward to our CRO.",
                ]
            ),
        }
    if source == Source.LIST_IMPORT:
        return {"List": "RevOps Forum London — attendee list", "Team size": team}
    if source == Source.EVENT:
        return {"Event": "RevOps Forum London", "Interest": rng.choice(USE_CASES)}
    return {"Partner": "Brightline Consulting", "Referral note": rng.choice(USE_CASES)}
