"""The review board of two months ago, held and closed through the review services."""

from __future__ import annotations

import datetime as dt

from demo.data import (
    SEED,
)
from demo.state import Demo
from qualification.models import (
    ScoringRule,
)
from review import services
from review.models import Decision, RuleChangeProposal


def hold_past_review(demo: Demo) -> None:
    """The review board of two months ago, held and closed: its decisions, one rule change
    applied by RevOps and one declined, and the summary a closed session keeps. Last month is
    left for whoever tries the demo to review."""

    manager, revops = demo.users["manager"], demo.users["revops"]
    month = (demo.today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
    session = services.open_session(month=month, actor=manager, size=20, seed=SEED)
    for item in session.items.order_by("position"):
        if item.position % 4 == 0:
            services.record_decision(
                item=item,
                actor=manager,
                decision=Decision.ADJUST,
                note="Right band, but the score leans on blog reads: weight them less.",
            )
        else:
            services.record_decision(
                item=item,
                actor=manager,
                decision=Decision.AGREE,
                note="Borderline as scored; the queue will decide.",
            )
    blog = ScoringRule.objects.get(name="blog read")
    applied = services.propose_change(
        session=session,
        actor=manager,
        kind=RuleChangeProposal.Kind.SCORING_WEIGHT,
        target=blog,
        field="points",
        value=str(max(blog.points - 1, 0)),
        rationale="Blog reads lifted a quarter of the band without any buying work behind them.",
    )
    services.apply_proposal(
        proposal=applied, actor=revops, note="Takes effect at the nightly rescoring."
    )
    core = demo.segments["core-inbound"]
    declined = services.propose_change(
        session=session,
        actor=manager,
        kind=RuleChangeProposal.Kind.THRESHOLD,
        target=core,
        field="mql_threshold",
        value=str(core.mql_threshold - 5),
        rationale="Several agreed leads sat just under the threshold.",
    )
    services.decline_proposal(
        proposal=declined,
        actor=revops,
        note="The SDRs are at capacity this quarter; look again after the blog change.",
    )
    services.close_session(session=session, actor=manager)
