"""Data migrations, run for real: back to the state before, rows written as they were then, and
forward again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("qualification", "0010_queue_indexes")]
BACKFILL = [("qualification", "0011_transition_from_stage_entered_at")]
T0 = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees the new state


@pytest.fixture
def before_backfill():
    executor = migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate(leaves)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_backfill_starts_each_stay_at_the_previous_transition(before_backfill):
    apps = before_backfill
    Segment = apps.get_model("qualification", "Segment")
    Contact = apps.get_model("accounts", "Contact")
    Lead = apps.get_model("qualification", "Lead")
    Transition = apps.get_model("qualification", "StageTransition")
    segment = Segment.objects.create(name="Core", slug="core")
    lead = Lead.objects.create(contact=Contact.objects.create(email="ann@acme.io"), segment=segment)
    Lead.objects.filter(pk=lead.pk).update(created_at=T0 - 5 * HOUR)

    def move(from_stage, to_stage, when):
        return Transition.objects.create(
            lead=lead, from_stage=from_stage, to_stage=to_stage, name="t", rule="test",
            occurred_at=when,
        ).pk  # fmt: skip

    # Written out of order, with two moves in the same instant (ordered by id).
    second = move("mql", "sal", T0 + 2 * HOUR)
    first = move("new", "mql", T0)
    third = move("sal", "nurture", T0 + 2 * HOUR)

    migrate(BACKFILL)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, from_stage_entered_at FROM qualification_stagetransition "
            "WHERE lead_id = %s",
            [lead.pk],
        )
        entered = dict(cursor.fetchall())
    assert entered == {
        first: T0 - 5 * HOUR,  # the lead's creation
        second: T0,
        third: T0 + 2 * HOUR,  # the tie: the move with the lower id came first
    }


BEFORE_FLAG_CLEARING = [("qualification", "0016_activity_time_window")]
FLAG_CLEARING = [("qualification", "0017_manual_review_cleared_by_stage_changes")]


@pytest.fixture
def before_flag_clearing():
    executor = migrate(BEFORE_FLAG_CLEARING)
    yield executor.loader.project_state(BEFORE_FLAG_CLEARING).apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_review_flag_is_cleared_on_leads_that_left_new(before_flag_clearing):
    apps = before_flag_clearing
    Segment = apps.get_model("qualification", "Segment")
    Contact = apps.get_model("accounts", "Contact")
    Lead = apps.get_model("qualification", "Lead")
    segment = Segment.objects.create(name="Core", slug="core")

    def lead(email, stage):
        contact = Contact.objects.create(email=email)
        return Lead.objects.create(
            contact=contact, segment=segment, stage=stage, manual_review=True
        )

    waiting = lead("new@acme.io", "new")
    decided = lead("mql@acme.io", "mql")

    migrate(FLAG_CLEARING)

    flags = dict(Lead.objects.values_list("pk", "manual_review"))
    assert flags == {waiting.pk: True, decided.pk: False}
