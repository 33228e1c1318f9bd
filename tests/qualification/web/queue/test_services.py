"""The queue's one service for its two actions (qualification/web/queue/services.py)."""

import pytest

from qualification.lifecycle.evidence import TransitionRefused
from qualification.models import Stage, StageTransition
from qualification.web.queue.services import ACCEPT, REJECT, act_on_mql
from tests.factories import in_days, reason, tomorrow
from tests.qualification.web.queue.test_queue import mql

pytestmark = pytest.mark.django_db


def accept(sdr, **overrides) -> dict:
    data = {
        "owner": sdr,
        "icp_confirmed": True,
        "next_action": "Book discovery call",
        "next_action_due": tomorrow(),
    }
    return data | overrides


def test_a_valid_accept_moves_the_lead_to_sal_with_its_owner(sdr):
    lead = mql()

    record = act_on_mql(lead=lead, action=ACCEPT, actor=sdr, data=accept(sdr), form_errors={})

    lead.refresh_from_db()
    assert (record.to_stage, lead.stage, lead.owner, lead.next_action) == (
        Stage.SAL,
        Stage.SAL,
        sdr,
        "Book discovery call",
    )


def test_a_form_error_writes_nothing_and_comes_back_with_what_the_engine_would_refuse(sdr):
    lead = mql()
    data = accept(sdr, icp_confirmed=False, next_action="")
    del data["owner"]  # the form could not parse it

    with pytest.raises(TransitionRefused) as refused:
        act_on_mql(
            lead=lead,
            action=ACCEPT,
            actor=sdr,
            data=data,
            form_errors={"owner": ["choose an active SDR or AE as the owner"]},
        )

    errors = refused.value.errors
    assert errors["owner"] == ["choose an active SDR or AE as the owner"]  # the form's wins
    assert errors["next_action"] == [
        "a next action is required"
    ]  # the engine's preview fills in the rest
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert not StageTransition.objects.filter(lead=lead).exists()


def test_a_reject_for_timing_nurtures_and_another_reason_disqualifies(sdr):
    timing, fit = mql(), mql()
    data = {"reason_code": reason("timing"), "note": "Budget opens in Q3"}

    act_on_mql(
        lead=timing,
        action=REJECT,
        actor=sdr,
        data=data | {"recycle_on": in_days(90), "duplicate_of": None},
        form_errors={},
    )
    act_on_mql(
        lead=fit,
        action=REJECT,
        actor=sdr,
        data={"reason_code": reason("bad_fit"), "note": "Agency", "recycle_on": None}
        | {"duplicate_of": None},
        form_errors={},
    )

    timing.refresh_from_db()
    fit.refresh_from_db()
    assert (timing.stage, timing.recycle_on, fit.stage) == (
        Stage.NURTURE,
        in_days(90),
        Stage.DISQUALIFIED,
    )
