"""Two SDRs at once, on PostgreSQL: row locks decide, and the loser is told why.

Each test commits its data (transactional) so that the threads, each on its own database
connection, see it; every thread closes its connection when done.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.models import Lead, Stage, StageTransition
from qualification.web.queue.services import (
    QueueScope,
    accept_lead,
    claim_next_lead,
    queue_segments,
)
from tests.concurrency import JOIN_TIMEOUT, run_at_once
from tests.factories import LeadFactory, SegmentFactory, UserFactory, tomorrow

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def core():
    return SegmentFactory(slug="core", name="Core")


def sdr_in(segment, name: str):
    user = UserFactory(username=name, role=roles.SDR, first_name=name.title(), last_name="Doe")
    segment.sdrs.add(user)
    return user


def mql(**kwargs) -> Lead:
    kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=1))
    return LeadFactory(stage=Stage.MQL, **kwargs)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_sdrs_accepting_the_same_lead_at_once_one_wins_and_the_other_is_told(core):
    lead = mql()
    sdrs = [sdr_in(core, "ana"), sdr_in(core, "bo")]
    clients = [logged_in(sdr) for sdr in sdrs]
    url = reverse("qualification:accept-lead", args=[lead.pk])

    def accept(client, sdr):
        data = {
            "owner": sdr.pk,
            "icp_confirmed": "on",
            "next_action": "Call",
            "next_action_due": tomorrow().isoformat(),
        }
        return lambda: client.post(url, data, headers={"HX-Request": "true"})

    responses = run_at_once(*(accept(c, s) for c, s in zip(clients, sdrs, strict=True)))

    assert sorted(r.status_code for r in responses) == [200, 422]
    winner = sdrs[[r.status_code for r in responses].index(200)]
    loser = next(r for r in responses if r.status_code == 422)
    assert f"This lead was already moved to SAL by {winner.get_full_name()}" in loser.text
    assert StageTransition.objects.filter(lead=lead, to_stage=Stage.SAL).count() == 1
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.SAL, winner)


def test_many_sdrs_claiming_at_once_each_get_a_different_lead(core):
    sdrs = [sdr_in(core, f"sdr{n}") for n in range(6)]
    leads = [mql(sla_due_at=timezone.now() + dt.timedelta(minutes=n)) for n in range(6)]
    clients = [logged_in(sdr) for sdr in sdrs]
    claim = reverse("qualification:claim-next")

    responses = run_at_once(*(lambda c=c: c.post(claim) for c in clients))

    assert all(r.status_code == 302 for r in responses)
    owners = dict(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("pk", "owner")
    )
    assert sorted(owners.values()) == sorted(sdr.pk for sdr in sdrs)  # one lead each, none twice


def test_two_sdrs_claiming_the_last_lead_at_once_one_gets_it_the_other_is_told(core):
    lead = mql()
    sdrs = [sdr_in(core, "ana"), sdr_in(core, "bo")]

    def claim(sdr):
        def call():
            scope = QueueScope.for_user(sdr, queue_segments(sdr))
            claimed, _ = claim_next_lead(user=sdr, scope=scope)
            return claimed.pk if claimed else None

        return call

    results = run_at_once(claim(sdrs[0]), claim(sdrs[1]))

    assert sorted(results, key=str) == sorted([lead.pk, None], key=str)
    lead.refresh_from_db()
    assert lead.owner == sdrs[results.index(lead.pk)]
    # The loser, clicking again, is told there is nothing left rather than handed the lead.
    loser = sdrs[results.index(None)]
    response = logged_in(loser).post(reverse("qualification:claim-next"), follow=True)
    assert "Nothing to claim" in response.text


def test_claim_next_skips_a_lead_another_request_holds_locked(core):
    sdr = sdr_in(core, "ana")
    first = mql(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    second = mql()
    locked = threading.Event()
    release = threading.Event()

    def hold_the_first_lead():
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(JOIN_TIMEOUT)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_first_lead)
    holder.start()
    try:
        assert locked.wait(JOIN_TIMEOUT)
        claimed, _ = claim_next_lead(user=sdr, scope=QueueScope.for_user(sdr, queue_segments(sdr)))
    finally:
        release.set()
        holder.join(JOIN_TIMEOUT)

    assert claimed == second  # not blocked behind the lock, not the same lead


def test_an_accept_that_waited_for_the_row_lock_is_told_who_won(core):
    """The loser read the lead as an MQL, then waited on the winner's lock: the engine, not
    the view's early check, refuses it once the winner commits."""

    winner, loser = sdr_in(core, "ana"), sdr_in(core, "bo")
    lead = mql()
    holding = threading.Event()

    def accept_slowly():
        try:
            with transaction.atomic():
                accept_lead(
                    lead=lead,
                    actor=winner,
                    owner=winner,
                    icp_confirmed=True,
                    next_action="Call",
                    next_action_due=tomorrow(),
                )
                holding.set()
                _wait_for_a_blocked_lock()
        finally:
            connection.close()

    slow = threading.Thread(target=accept_slowly)
    slow.start()
    try:
        assert holding.wait(JOIN_TIMEOUT)
        response = logged_in(loser).post(
            reverse("qualification:accept-lead", args=[lead.pk]),
            {
                "owner": loser.pk,
                "icp_confirmed": "on",
                "next_action": "Call",
                "next_action_due": tomorrow().isoformat(),
            },
            headers={"HX-Request": "true"},
        )
    finally:
        slow.join(JOIN_TIMEOUT)

    assert response.status_code == 422
    assert "This lead was already moved to SAL by Ana Doe" in response.text
    assert StageTransition.objects.filter(lead=lead, to_stage=Stage.SAL).count() == 1


def _wait_for_a_blocked_lock() -> None:
    """Poll (from the winner's own connection) until another backend waits on a lock."""
    with connection.cursor() as cursor:
        for _ in range(JOIN_TIMEOUT * 100):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the second accept never waited on the lock")
