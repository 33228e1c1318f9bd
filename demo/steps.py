"""The steps: each gathers the evidence its transition asks for, then calls the engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Contact, IcpTier
from demo.capture import reach_intent, record_signals
from demo.data import (
    FIT_OVERRIDES,
    IMPORT_RULE,
    LOSS_NOTES,
    MUTUAL_STEPS,
    NEXT_ACTIONS,
    PARK_NOTES,
    REJECTION_NOTES,
    REOPEN_NOTES,
    REVIEW_DECISIONS,
    TIMING_NOTES,
)
from demo.moves import apply_rules, move, route
from demo.sales_work import (
    add_activity,
    add_note,
    ae_touch,
    map_buying_group,
    sdr_touches,
    start_discovery,
)
from demo.state import Demo, Story
from qualification.lifecycle.evidence import Evidence
from qualification.models import (
    Activity,
    Lead,
    Stage,
)


def step_mql(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    apply_rules(demo, story, expected="mql", at=at)


def step_mql_review(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    decision = demo.rng.choice(REVIEW_DECISIONS)
    move(
        demo,
        story,
        Stage.MQL,
        demo.users["marketing"],
        Evidence(manual_review_decision=decision),
        at,
    )
    route(demo, story, at)


def step_mql_override(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    override = demo.rng.choice(FIT_OVERRIDES)
    move(demo, story, Stage.MQL, demo.users["marketing"], Evidence(fit_override=override), at)
    route(demo, story, at)


def step_accept(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    sdr_touches(demo, story, before, at, outcome="Connected — agreed to a discovery call")
    first = story.contact.first_name
    move(
        demo,
        story,
        Stage.SAL,
        story.sdr,
        Evidence(
            owner=story.ae,
            icp_confirmed=True,
            next_action=demo.rng.choice(NEXT_ACTIONS).format(first=first),
            next_action_due=demo.days_ahead(1, 7),
        ),
        at,
    )
    # Accepting confirmed the account's ICP; the stories are not played in time order, so the
    # latest confirmation is the one the account keeps (settle_accounts).
    account = story.lead.account
    confirmed = demo.icp_confirmations.get(account.pk)
    if confirmed is None or confirmed[0] < at:
        demo.icp_confirmations[account.pk] = (at, story.sdr)


def step_reject_timing(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    sdr_touches(demo, story, before, at, outcome="Connected — interested, but not this quarter")
    recycle_on = demo.days_ahead(21, 120)
    note = demo.rng.choice(TIMING_NOTES).format(month=f"{recycle_on:%B}")
    move(
        demo,
        story,
        Stage.NURTURE,
        story.sdr,
        Evidence(
            reason_code=demo.codes["timing"],
            recycle_on=recycle_on,
            note=note,
        ),
        at,
    )


def step_reject(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    code = rejection_code(demo, story)
    if code == "unresponsive":
        sdr_touches(demo, story, before, at, outcome="No answer — left a voicemail", attempts=5)
    else:
        sdr_touches(demo, story, before, at, outcome="Connected — qualified out on the call")
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.sdr,
        Evidence(
            reason_code=demo.codes[code],
            note=demo.rng.choice(REJECTION_NOTES[code]),
        ),
        at,
    )


def step_reject_duplicate(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.sdr,
        Evidence(
            reason_code=demo.codes["duplicate"],
            duplicate_of=story.survivor.lead,
            note="Same person and product line as an open lead; kept the earlier one.",
        ),
        at,
    )


def step_sql(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    """Discovery call, then the checklist, the buying group and a note, then the promotion."""
    rng = demo.rng
    call = demo.between(before, at)
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", call)
    single_thread = (
        story.path.name == "in discovery"
        and rng.random() < 0.15
        and story.lead.account_id not in demo.seated
    )
    map_buying_group(demo, story, demo.between(call, at), full=not single_thread)
    start_discovery(demo, story, demo.between(call, at), complete=True)
    add_note(demo, story, story.ae, demo.between(call, at))
    meeting = timezone.localtime(demo.now).replace(
        hour=rng.choice([9, 10, 11, 14, 15, 16]),
        minute=rng.choice([0, 30]),
        second=0,
        microsecond=0,
    ) + dt.timedelta(days=rng.randint(1, 10))
    override = None
    if single_thread:
        override = (
            f"{story.contact.first_name} runs the team and signs up to this size; "
            "the wider group joins the demo."
        )
    evidence = Evidence(next_meeting_on=meeting, single_thread_override=override)
    move(demo, story, Stage.SQL, story.ae, evidence, at)


def step_opportunity(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    rng = demo.rng
    demo_at = demo.between(before, at)
    ae_touch(demo, story, Activity.Kind.MEETING, "Demo for the buying group", demo_at)
    map_buying_group(demo, story, demo.between(before, demo_at), full=True)
    proposal = demo.between(demo_at, at)
    ae_touch(demo, story, Activity.Kind.EMAIL_SENT, "Proposal and pricing", proposal)
    company = story.lead.account.name
    move(
        demo,
        story,
        Stage.OPPORTUNITY,
        story.ae,
        Evidence(
            amount_estimate=Decimal(rng.randrange(12, 180) * 1000),
            expected_close_date=demo.days_ahead(20, 120),
            mutual_next_step=rng.choice(MUTUAL_STEPS).format(company=company),
        ),
        at,
    )


def step_park_rule(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    apply_rules(demo, story, expected="nurture", at=at)


def step_park_owner(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", demo.between(before, at))
    code = demo.rng.choice(list(PARK_NOTES))
    recycle_on = demo.days_ahead(30, 150)
    note = demo.rng.choice(PARK_NOTES[code]).format(month=f"{recycle_on:%B}")
    move(
        demo,
        story,
        Stage.NURTURE,
        story.ae,
        Evidence(
            reason_code=demo.codes[code],
            recycle_on=recycle_on,
            note=note,
        ),
        at,
    )


def step_disqualify_import(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    """The badge-scan file said what these were; the import applies it, as intake does."""
    contact = story.contact
    if contact.email_kind == Contact.EmailKind.DISPOSABLE:
        code, note = "junk", "Marked spam in the scan file: disposable address."
    elif contact.persona_function == "student":
        code, note = "student", "Marked student in the scan file."
    else:
        code, note = "bad_fit", f"Competitor staff at our stand ({contact.account.domain})."
    evidence = Evidence(reason_code=demo.codes[code], note=note)
    move(demo, story, Stage.DISQUALIFIED, IMPORT_RULE, evidence, at)


def step_disqualify_owner(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", demo.between(before, at))
    code = demo.rng.choice(list(LOSS_NOTES))
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.ae,
        Evidence(
            reason_code=demo.codes[code],
            note=demo.rng.choice(LOSS_NOTES[code]),
        ),
        at,
    )


def step_recycle(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    """An intent spike brings a nurtured lead back before its recycle date."""
    spike = [
        (Activity.Kind.PRICING_PAGE, "/pricing", demo.between(before, at)),
        (Activity.Kind.COMPARISON_PAGE, "/compare/spreadsheets", demo.between(before, at)),
    ]
    record_signals(demo, story, spike)
    reach_intent(demo, story, "high", at)
    apply_rules(demo, story, expected="mql", at=at)


def step_reopen(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    move(
        demo,
        story,
        Stage.MQL,
        demo.users["manager"],
        Evidence(note=demo.rng.choice(REOPEN_NOTES)),
        at,
    )


STEPS = {
    "mql": step_mql,
    "mql-review": step_mql_review,
    "mql-override": step_mql_override,
    "accept": step_accept,
    "reject-timing": step_reject_timing,
    "reject": step_reject,
    "reject-duplicate": step_reject_duplicate,
    "sql": step_sql,
    "opportunity": step_opportunity,
    "park-rule": step_park_rule,
    "park-owner": step_park_owner,
    "disqualify-import": step_disqualify_import,
    "disqualify-owner": step_disqualify_owner,
    "recycle": step_recycle,
    "reopen": step_reopen,
}


def rejection_code(demo: Demo, story: Story) -> str:
    contact = story.contact
    if contact.persona_function in ("hr", "other") or contact.persona_seniority == "student":
        return "wrong_persona"
    if contact.account.icp_tier == IcpTier.B and demo.rng.random() < 0.3:
        return "bad_fit"
    return demo.rng.choice(
        ["no_need", "no_authority", "competitor_lock_in", "unresponsive", "no_budget", "no_need"]
    )


def after_last_step(demo: Demo, story: Story) -> None:
    """What happened since the last stage change: sales keeps working, nurture keeps sending."""
    stage, since = story.final_stage, story.times[-1]
    if stage == Stage.SAL:
        if demo.rng.random() < 0.5:
            start_discovery(demo, story, demo.between(since, demo.now), complete=False)
        ae_touch(
            demo, story, Activity.Kind.EMAIL_SENT, "Discovery agenda", demo.between(since, demo.now)
        )
    elif stage in (Stage.SQL, Stage.OPPORTUNITY):
        recap = demo.between(since, demo.now)
        ae_touch(demo, story, Activity.Kind.EMAIL_SENT, "Recap and next steps", recap)
        reply = demo.between(recap, demo.now)
        add_activity(demo, story, Activity.Kind.EMAIL_REPLY, reply, "Replied to the recap")
    elif stage == Stage.NURTURE:
        add_activity(
            demo,
            story,
            Activity.Kind.EMAIL_OPEN,
            demo.between(since, demo.now),
            "Nurture email: customer story",
        )


def finish(demo: Demo, story: Story) -> None:
    lead = story.lead
    last_activity = max((activity.occurred_at for activity in story.activities), default=None)
    Lead.objects.filter(pk=lead.pk).update(
        updated_at=max(story.times[-1], last_activity or story.times[-1]),
        last_activity_at=last_activity,
    )
