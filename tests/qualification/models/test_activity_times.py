"""An activity's time is kept inside a sane window on every path that stores one, and a row
stored outside it before the window existed no longer breaks the pages that show it."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qualification.intake.batch import ingest
from qualification.intake.rows import LeadRow
from qualification.intake.web_form import issue_token
from qualification.models import Activity, IntakeSource, Lead
from tests.factories import ActivityFactory, LeadFactory, SegmentFactory
from tests.qualification.test_migrations import migrate

URL = "/api/intake/leads/"
YEAR_ONE = "0001-01-01T00:00:00Z"


def in_days(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def token(db):
    source = IntakeSource(name="Web form", segment=SegmentFactory(slug="core", name="Core"))
    secret = issue_token(source)
    source.save()
    return secret


def post(token, *, raw: str, key: str = "k-1"):
    return Client().post(
        URL,
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def with_activity(occurred_at: str) -> str:
    return json.dumps(
        {"email": "ann@acme.io", "activities": [{"kind": "webinar", "occurred_at": occurred_at}]}
    )


class TestIntake:
    @pytest.mark.parametrize(
        ("occurred_at", "message"),
        [
            (YEAR_ONE, "item 0: occurred_at is before 2000"),
            ("0001-01-01T00:00:00+05:00", "item 0: occurred_at is before 2000"),
            ("0001-01-01T00:00:00-05:00", "item 0: occurred_at is before 2000"),
            ("1999-12-31T23:59:59Z", "item 0: occurred_at is before 2000"),
            ("9999-12-31T23:59:59-05:00", "item 0: occurred_at is more than a day ahead"),
            (in_days(2), "item 0: occurred_at is more than a day ahead"),
            (
                "2026-01-01T10:00:00+99:00",
                "item 0: occurred_at must be an ISO 8601 time with a time zone",
            ),
            (
                "2026-01-01T10:00:00-24:00",
                "item 0: occurred_at must be an ISO 8601 time with a time zone",
            ),
        ],
    )
    def test_a_time_outside_the_window_is_a_400_field_error(self, token, occurred_at, message):
        response = post(token, raw=with_activity(occurred_at))

        assert response.status_code == 400
        assert response.json() == {"errors": {"activities": [message]}}
        assert not Lead.objects.exists() and not Activity.objects.exists()

    @pytest.mark.parametrize("occurred_at", ["2000-01-01T00:00:00Z", in_days(0.9)])
    def test_a_time_inside_the_window_is_kept(self, token, occurred_at):
        response = post(token, raw=with_activity(occurred_at))

        assert response.status_code == 202
        assert Activity.objects.get().occurred_at == dt.datetime.fromisoformat(occurred_at)

    @pytest.mark.parametrize(
        "raw",
        [
            "[" * 30_000 + "]" * 30_000,
            '{"email": "ann@acme.io", "form_answers": {"a": ' + "[" * 30_000 + "]" * 30_000 + "}}",
            '{"email": "ann@acme.io", "form_answers": {"a": ' + "[" * 500 + "]" * 500 + "}}",
        ],
        ids=["30000-levels", "30000-levels-in-answers", "500-levels-in-answers"],
    )
    def test_deeply_nested_json_is_a_400(self, token, raw):
        response = post(token, raw=raw)

        assert response.status_code == 400
        assert response.json() == {"errors": {"__all__": ["the body is nested too deeply"]}}

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_are_a_400(self, token, constant):
        raw = '{"email": "ann@acme.io", "form_answers": {"Team size": ' + constant + "}}"

        response = post(token, raw=raw)

        assert response.status_code == 400
        assert response.json() == {
            "errors": {"__all__": [f"the body is not valid JSON: {constant} is not a number"]}
        }
        assert not Lead.objects.exists()


class TestIngest:
    """The bound in the domain layer: any caller of `ingest`, not only the JSON intake."""

    def test_a_row_with_an_activity_outside_the_window_is_refused_and_writes_nothing(self, db):
        now = timezone.now()
        row = LeadRow(
            line=1,
            email="ann@acme.io",
            activities=[
                ("webinar", now - dt.timedelta(hours=1)),
                ("webinar", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
                ("pricing_page", now + dt.timedelta(days=3)),
            ],
        )

        (result,) = ingest([row], segment=SegmentFactory(), source_system="test", now=now)

        assert result.outcome == "refused"
        assert result.errors == {
            "activities": [
                "item 1: occurred_at is before 2000",
                "item 2: occurred_at is more than a day ahead",
            ]
        }
        assert not Lead.objects.exists() and not Activity.objects.exists()


class TestAdmin:
    def add(self, admin_client, lead, when: str):
        date, _, time = when.partition(" ")
        return admin_client.post(
            reverse("admin:qualification_activity_add"),
            {
                "contact": lead.contact_id,
                "lead": lead.pk,
                "kind": Activity.Kind.WEBINAR,
                "occurred_at_0": date,
                "occurred_at_1": time,
                "detail": "",
                "session_key": "",
            },
        )

    @pytest.mark.parametrize(
        ("when", "message"),
        [
            ("0001-01-01 00:00:00", "The time is before 2000: no activity here is that old."),
            ("1999-12-31 23:00:00", "The time is before 2000: no activity here is that old."),
            ("9999-12-31 23:59:59", "The time is more than a day ahead."),
        ],
    )
    def test_a_time_outside_the_window_is_a_form_error_beside_the_field(
        self, admin_client, when, message
    ):
        lead = LeadFactory()

        response = self.add(admin_client, lead, when)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"occurred_at": [message]}
        assert not Activity.objects.exists()

    def test_a_time_inside_the_window_is_saved(self, admin_client):
        lead = LeadFactory()

        response = self.add(admin_client, lead, "2026-11-02 10:00:00")

        assert response.status_code == 302
        assert Activity.objects.get().lead == lead


# Rows stored before the window existed ----------------------------------------------------

BEFORE = [("qualification", "0015_intake_source_scope")]
REPAIR = [("qualification", "0016_activity_time_window")]
GOOD = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def before_repair():
    executor = migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_removes_activities_outside_the_window_and_the_pages_open(
    before_repair, admin_client
):
    apps = before_repair
    Segment = apps.get_model("qualification", "Segment")
    Contact = apps.get_model("accounts", "Contact")
    Lead = apps.get_model("qualification", "Lead")
    Activity = apps.get_model("qualification", "Activity")
    contact = Contact.objects.create(email="ann@acme.io")
    segment = Segment.objects.create(name="Core", slug="core")
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    lead = Lead.objects.create(contact=contact, segment=segment, last_activity_at=year_one)
    spared = Lead.objects.create(
        contact=Contact.objects.create(email="bob@acme.io"), segment=segment, last_activity_at=GOOD
    )
    for when in (
        year_one,
        dt.datetime(1999, 12, 31, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
    ):
        Activity.objects.create(contact=contact, lead=lead, kind="webinar", occurred_at=when)
    kept = Activity.objects.create(contact=contact, lead=lead, kind="webinar", occurred_at=GOOD)
    Activity.objects.create(
        contact=contact, lead=None, kind="webinar", occurred_at=year_one
    )  # the contact's, on no lead

    migrate(REPAIR)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM qualification_activity")
        assert [row for (row,) in cursor.fetchall()] == [kept.pk]
        cursor.execute("SELECT id, last_activity_at FROM qualification_lead ORDER BY id")
        assert cursor.fetchall() == [(lead.pk, GOOD), (spared.pk, GOOD)]
    # The pages are today's code: they need the later migrations too.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert admin_client.get(reverse("qualification:lead-detail", args=[lead.pk])).status_code == 200
    assert admin_client.get(reverse("admin:qualification_activity_changelist")).status_code == 200


def test_the_database_refuses_an_activity_before_2000_from_any_path(db):
    lead = LeadFactory()

    with pytest.raises(IntegrityError):
        ActivityFactory(lead=lead, occurred_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC))
