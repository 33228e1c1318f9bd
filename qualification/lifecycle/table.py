"""The transition table: the only description of who may move a lead where, with what."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualification.lifecycle.evidence import Actor, Automation
from qualification.lifecycle.requirements import (
    NOTE,
    Requirement,
    account_domain,
    amount,
    buying_group,
    close_date,
    duplicate_code,
    economic_buyer,
    fit,
    framework_minimum,
    icp_confirmed,
    next_action_due,
    next_meeting,
    not_a_timing_code,
    owner,
    reason_code,
    recycle_due_or_intent_high,
    recycle_in_future,
    required_text,
    score,
    surviving_lead,
    timing_code,
)
from qualification.lifecycle.scope import scope_refusal
from qualification.models import (
    OPEN_STAGES,
    Lead,
    Stage,
    TransitionName,
)

# The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: TransitionName  # the row's key in code, forms and the audit rows; people read `label`
    label: str
    sources: frozenset[str]
    target: str
    permission: str | None  # a Django permission (app_label.codename) that lets a person act
    owner_may: bool = False  # the lead's owner may act without the permission
    rules_may: bool = False  # an automated rule may act
    # What a person gives for this move on a form, in the order forms show it; the
    # requirements say which of it is needed when.
    evidence: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = field(default=())
    # Taken only by a merge (qualification/duplicates/merge.py), never offered as a button.
    merge_only: bool = False

    def allows(self, actor: Actor, lead: Lead, *, in_scope: bool | None = None) -> bool:
        """`in_scope`: whether `scope_refusal` lets `actor` work `lead`, when the caller asked
        already (the lead page asks once for all its buttons); None asks here."""
        if isinstance(actor, Automation):
            return self.rules_may
        if not actor.is_active:
            return False
        if in_scope is None:
            in_scope = scope_refusal(user=actor, lead=lead) is None
        if not in_scope:
            return False  # an MQL outside the SDR's part of the queue, however they reach it
        if self.owner_may and lead.owner_id is not None and lead.owner_id == actor.pk:
            return True
        return self.permission is not None and actor.has_perm(self.permission)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        TransitionName.MARK_MQL,
        "Mark MQL",
        frozenset({Stage.NEW}),
        Stage.MQL,
        "qualification.mark_mql",
        rules_may=True,
        evidence=("manual_review_decision", "fit_override"),
        requirements=(
            Requirement("account", "an account with a domain", account_domain),
            Requirement(
                "source", "a source", lambda c: None if c.lead.source else "the lead needs a source"
            ),
            Requirement("fit_override", "fit tier A or B, or an override", fit),
            Requirement("manual_review_decision", "score at the MQL threshold, or a review", score),
        ),
    ),
    Transition(
        TransitionName.ACCEPT,
        "Accept into SAL",
        frozenset({Stage.MQL}),
        Stage.SAL,
        "qualification.accept_mql",
        evidence=("owner", "next_action", "next_action_due", "icp_confirmed"),
        requirements=(
            Requirement("owner", "an owner", owner),
            Requirement("icp_confirmed", "ICP confirmed", icp_confirmed),
            required_text("next_action", "a next action", "a next action is required"),
            Requirement("next_action_due", "the next action's due date", next_action_due),
        ),
    ),
    Transition(
        TransitionName.REJECT_TO_NURTURE,
        "Reject to nurture",
        frozenset({Stage.MQL}),
        Stage.NURTURE,
        "qualification.reject_mql",
        evidence=("reason_code", "recycle_on", "note"),
        requirements=(
            Requirement("reason_code", "reason code “timing”", timing_code),
            Requirement("recycle_on", "a recycle date in the future", recycle_in_future),
            NOTE,
        ),
    ),
    Transition(
        TransitionName.REJECT,
        "Reject",
        frozenset({Stage.MQL}),
        Stage.DISQUALIFIED,
        "qualification.reject_mql",
        evidence=("reason_code", "note", "duplicate_of"),
        requirements=(
            Requirement(
                "reason_code",
                "a rejection reason code",
                reason_code(lambda code: code.for_rejection, "an SDR rejection"),
            ),
            Requirement(
                "reason_code", "a reason code that does not need nurture", not_a_timing_code
            ),
            NOTE,
            Requirement("duplicate_of", "the surviving lead, for duplicates", surviving_lead),
        ),
    ),
    Transition(
        TransitionName.PROMOTE_SQL,
        "Promote to SQL",
        frozenset({Stage.SAL}),
        Stage.SQL,
        "qualification.promote_sql",
        evidence=("next_meeting_on", "single_thread_override"),
        requirements=(
            Requirement("framework", "a discovery framework at its minimum", framework_minimum),
            Requirement(
                "single_thread_override",
                "a second buying-group contact, or an override",
                buying_group,
            ),
            Requirement("next_meeting_on", "a next meeting date", next_meeting),
        ),
    ),
    Transition(
        TransitionName.PROMOTE_OPPORTUNITY,
        "Promote to opportunity",
        frozenset({Stage.SQL}),
        Stage.OPPORTUNITY,
        "qualification.promote_opportunity",
        evidence=("amount_estimate", "expected_close_date", "mutual_next_step"),
        requirements=(
            Requirement("amount_estimate", "an amount estimate", amount),
            Requirement("expected_close_date", "an expected close date", close_date),
            Requirement("economic_buyer", "an economic buyer", economic_buyer),
            required_text(
                "mutual_next_step", "a mutual next step", "a mutual next step is required"
            ),
        ),
    ),
    Transition(
        TransitionName.PARK,
        "Park in nurture",
        frozenset(OPEN_STAGES),
        Stage.NURTURE,
        "qualification.act_on_any_lead",
        owner_may=True,
        rules_may=True,
        evidence=("reason_code", "recycle_on", "note"),
        requirements=(
            Requirement("recycle_on", "a recycle date in the future", recycle_in_future),
            Requirement(
                "reason_code",
                "a reason code",
                reason_code(
                    lambda code: code.for_disqualification or code.for_lost, "parking a lead"
                ),
            ),
        ),
    ),
    Transition(
        TransitionName.DISQUALIFY,
        "Disqualify",
        frozenset(OPEN_STAGES),
        Stage.DISQUALIFIED,
        "qualification.act_on_any_lead",
        owner_may=True,
        rules_may=True,
        evidence=("reason_code", "note", "duplicate_of"),
        requirements=(
            Requirement(
                "reason_code",
                "a reason code",
                reason_code(
                    lambda code: code.for_disqualification or code.for_lost, "disqualification"
                ),
            ),
            Requirement(
                "reason_code", "a reason code that does not need nurture", not_a_timing_code
            ),
            NOTE,
            Requirement("duplicate_of", "the surviving lead, for duplicates", surviving_lead),
        ),
    ),
    Transition(
        TransitionName.RECYCLE,
        "Recycle",
        frozenset({Stage.NURTURE}),
        Stage.MQL,
        None,
        rules_may=True,
        requirements=(
            Requirement(
                "recycle_on",
                "the recycle date reached, or high intent",
                recycle_due_or_intent_high,
            ),
        ),
    ),
    # RevOps reviews every duplicate pair ("SDR for their queue, RevOps for all") but works no
    # lead: this row lets a merge disqualify the merged lead as a duplicate of its survivor,
    # and nothing else. People with the usual rows (an SDR's reject, an owner's disqualify)
    # take those first.
    Transition(
        TransitionName.MERGE_DUPLICATE,
        "Merge as a duplicate",
        frozenset(OPEN_STAGES),
        Stage.DISQUALIFIED,
        "qualification.merge_duplicate",
        evidence=("reason_code", "note", "duplicate_of"),
        requirements=(
            Requirement("reason_code", "reason code “duplicate”", duplicate_code),
            NOTE,
            Requirement("duplicate_of", "the surviving lead, for duplicates", surviving_lead),
        ),
        merge_only=True,
    ),
    Transition(
        TransitionName.REOPEN,
        "Reopen",
        frozenset({Stage.DISQUALIFIED}),
        Stage.MQL,
        "qualification.reopen_lead",
        evidence=("note",),
        requirements=(NOTE,),
    ),
)


TRANSITIONS_BY_NAME: dict[str, Transition] = {row.name: row for row in TRANSITIONS}


def transition_label(name: str) -> str:
    """What people read for the row named `name` (an audit row's `name`)."""
    row = TRANSITIONS_BY_NAME.get(name)
    return row.label if row else name.replace("-", " ").capitalize()


def evidence_of(*names: str) -> tuple[str, ...]:
    """The evidence fields the rows named `names` ask people for, each once, in table order."""
    fields: dict[str, None] = {}
    for name in names:
        fields.update(dict.fromkeys(TRANSITIONS_BY_NAME[name].evidence))
    return tuple(fields)


def transitions_from(stage: str, *, merging: bool = False) -> list[Transition]:
    """The rows out of `stage`; the merge-only rows only when `merging`."""
    return [row for row in TRANSITIONS if stage in row.sources and (merging or not row.merge_only)]
