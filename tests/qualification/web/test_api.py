import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact, IcpTier
from qualification.intake.web_form import issue_token
from qualification.models import (
    Activity,
    IntakeRequest,
    IntakeSource,
    Lead,
    ScoringRule,
    Stage,
    default_intake_kinds,
)
from tests.factories import AccountFactory, LeadFactory, SegmentFactory

pytestmark = pytest.mark.django_db
URL = "/api/intake/leads/"


@pytest.fixture
def token(segment):
    source = IntakeSource(name="Website demo form", segment=segment, default_source="demo_request")
    secret = issue_token(source)
    source.save()
    return secret


def post(body, token=None, key="k-1", raw=None):
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def form(**overrides):
    body = {
        "email": "Ann.Lee@Acme.io",
        "first_name": "Ann",
        "last_name": "Lee",
        "title": "VP Operations",
        "company": "Acme, Inc.",
        "country": "United Kingdom",
        "form_answers": {"Team size": "120", "Use case": "Lead routing"},
    }
    body.update(overrides)
    return body


def world():
    return (
        Lead.objects.count(),
        Contact.objects.count(),
        Account.objects.count(),
        Activity.objects.count(),
        IntakeRequest.objects.count(),
    )


def test_the_url_is_named():
    assert reverse("intake-lead") == URL


class TestAuth:
    def test_no_token_is_401_with_a_challenge(self, segment):
        response = post(form())
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="intake"'
        assert world() == (0, 0, 0, 0, 0)

    def test_a_wrong_token_is_401(self, token):
        assert post(form(), token="nope").status_code == 401

    def test_an_inactive_source_is_401(self, token):
        IntakeSource.objects.update(active=False)
        assert post(form(), token=token).status_code == 401

    def test_only_post_is_allowed(self, token):
        assert Client().get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 405

    def test_no_session_or_csrf_token_is_needed(self, token):
        assert post(form(), token=token).status_code == 202


class TestCreate:
    def test_a_new_lead_gets_202_with_its_id_and_status(self, token):
        response = post(form(), token=token)

        assert response.status_code == 202
        body = response.json()
        lead = Lead.objects.select_related("contact", "account").get(pk=body["id"])
        assert body == {"id": lead.pk, "status": "accepted"}
        assert "Idempotent-Replayed" not in response
        assert lead.contact.email == "ann.lee@acme.io"
        assert lead.account.domain == "acme.io" and lead.account.name == "Acme"
        assert lead.source == "demo_request"
        assert lead.form_answers == {"Team size": "120", "Use case": "Lead routing"}

    def test_a_hot_lead_is_scored_routed_and_made_an_mql_on_commit(
        self, token, sdr, django_capture_on_commit_callbacks
    ):
        AccountFactory(
            domain="acme.io",
            icp_tier=IcpTier.A,
            industry="Software",
            country="GB",
            employee_count=400,
        )
        now = timezone.now()
        activities = [
            {"kind": "pricing_page", "occurred_at": (now - dt.timedelta(hours=2)).isoformat()},
            {"kind": "demo_request", "occurred_at": now.isoformat()},
            {"kind": "security_page", "occurred_at": (now - dt.timedelta(hours=1)).isoformat()},
        ]

        with django_capture_on_commit_callbacks(execute=True):
            response = post(form(activities=activities), token=token)

        assert response.status_code == 202
        lead = Lead.objects.get()
        assert lead.stage == Stage.MQL
        assert lead.owner == sdr
        assert "demo request" in lead.score_explanation
        assert lead.activities.count() == 3


class TestIdempotency:
    def test_the_same_key_and_body_twice_creates_one_lead_and_replays_the_answer(self, token):
        first = post(form(), token=token, key="abc")
        before = world()

        again = post(form(), token=token, key="abc")

        assert again.status_code == first.status_code == 202
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert world() == before

    def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(self, token):
        post(form(), token=token, key="abc")
        before = world()

        again = post(form(first_name="Someone else"), token=token, key="abc")

        assert again.status_code == 422
        assert again.json() == {"errors": {"Idempotency-Key": ["key reused with a different body"]}}
        assert world() == before
        assert Contact.objects.get().first_name == "Ann"

    def test_a_key_is_compared_by_the_bytes_of_the_body(self, token):
        post(None, token=token, key="abc", raw=json.dumps(form()))

        spaced = post(None, token=token, key="abc", raw=json.dumps(form(), indent=2))

        assert spaced.status_code == 422

    def test_a_key_stored_before_bodies_were_hashed_still_replays(self, token):
        first = post(form(), token=token, key="abc")
        IntakeRequest.objects.update(body_hash="")

        again = post(form(first_name="Someone else"), token=token, key="abc")

        assert again.status_code == 202
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"

    def test_a_missing_key_is_400(self, token):
        response = post(form(), token=token, key=None)
        assert response.status_code == 400
        assert response.json() == {
            "errors": {"Idempotency-Key": ["a header of 1 to 100 characters is required"]}
        }


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            (
                form(email="not-an-email"),
                {"email": ["“not-an-email” is not a valid email address"]},
            ),
            (form(email=""), {"email": ["is required"]}),
            ({"first_name": "Ann"}, {"email": ["is required"]}),
            (form(email=42), {"email": ["must be a string"]}),
            (
                form(title="x" * 10_000),
                {"title": ["title is 10,000 characters long; at most 200 are kept"]},
            ),
            (
                form(email="ann@gmail.com", website="not a site"),
                {"website": ["“not a site” is not a website or domain"]},
            ),
            (
                form(form_answers=["a"]),
                {"form_answers": ["must be an object of question → text answer"]},
            ),
            (form(shoe_size="44"), {"shoe_size": ["is not a field this endpoint takes"]}),
            (
                form(activities=[{"kind": "telepathy", "occurred_at": "2026-01-01T00:00:00Z"}]),
                {"activities": ["item 0: “telepathy” is not an activity kind"]},
            ),
            (
                form(activities=[{"kind": "webinar", "occurred_at": "yesterday"}]),
                {"activities": ["item 0: occurred_at must be an ISO 8601 time with a time zone"]},
            ),
            (form(segment="core"), {"segment": ["is not a field this endpoint takes"]}),
            ([1, 2], {"__all__": ["the body must be a JSON object"]}),
        ],
    )
    def test_bad_input_is_400_with_field_errors_and_writes_nothing(self, token, body, errors):
        response = post(body, token=token, key="bad")
        assert response.status_code == 400
        assert response.json() == {"errors": errors}
        assert world() == (0, 0, 0, 0, 0)

    def test_a_body_that_is_not_json_is_400(self, token):
        response = post(None, token=token, raw="{not json")
        assert response.json() == {"errors": {"__all__": ["the body is not valid JSON"]}}

    def test_a_refused_request_can_be_retried_with_the_same_key(self, token):
        assert post(form(email="bad"), token=token, key="retry").status_code == 400
        assert post(form(), token=token, key="retry").status_code == 202


class TestDedupe:
    def test_a_known_person_merges_into_their_lead(self, token):
        first = post(form(), token=token, key="one").json()
        occurred = timezone.now().isoformat()

        again = post(
            form(
                email="ann.lee@ACME.io",
                phone="+44 20 7946 0000",
                activities=[{"kind": "webinar", "occurred_at": occurred}],
            ),
            token=token,
            key="two",
        )

        assert again.status_code == 202
        assert again.json() == {"id": first["id"], "status": "accepted"}
        assert Lead.objects.count() == 1 and Contact.objects.count() == 1
        assert Contact.objects.get().phone == "+442079460000"  # stored in E.164
        assert Activity.objects.get().lead_id == first["id"]

    def test_a_colleague_joins_the_same_account(self, token):
        post(form(), token=token, key="one")
        post(form(email="bob@acme.io", first_name="Bob"), token=token, key="two")
        assert Account.objects.count() == 1 and Contact.objects.count() == 2


def test_the_command_creates_a_source_whose_token_works(segment, capsys):
    call_command("create_intake_source", "Partner portal", "--segment", "core")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert post(form(), token=token).status_code == 202
    assert Lead.objects.get().source == "form"


class TestSourceScope:
    """A token acts only inside its source: its segment, its activity kinds, and it learns
    nothing about people it did not create."""

    def test_a_token_cannot_send_a_lead_to_another_segment(self, token):
        SegmentFactory(slug="enterprise", name="Enterprise")

        response = post(form(segment="enterprise"), token=token)

        assert response.status_code == 400
        assert response.json() == {"errors": {"segment": ["is not a field this endpoint takes"]}}
        assert not Lead.objects.exists()

    def test_a_known_person_gets_the_same_answer_as_a_new_one(self, token, segment, ae):
        known = LeadFactory(
            contact__email="cfo@acme.io",
            segment=segment,
            stage=Stage.SQL,
            owner=ae,
            intent_score=88,
        )
        new = post(form(email="ann@acme.io"), token=token, key="new")

        merged = post(form(email="cfo@acme.io"), token=token, key="known")

        assert merged.status_code == new.status_code
        assert merged.json() == {"id": known.pk, "status": "accepted"}
        assert set(merged.json()) == set(new.json())

    @pytest.mark.parametrize(
        ("kind", "label"),
        [("meeting", "Meeting"), ("call", "Call"), ("email_sent", "Email sent")],
    )
    def test_a_sales_activity_kind_is_refused_from_a_web_form(self, token, kind, label):
        activity = {"kind": kind, "occurred_at": timezone.now().isoformat()}

        response = post(form(activities=[activity]), token=token)

        assert response.status_code == 400
        assert response.json() == {
            "errors": {"activities": [f"item 0: this source may not send “{label}” activities"]}
        }
        assert world() == (0, 0, 0, 0, 0)

    @pytest.fixture
    def nurtured(self, segment):
        """A nurture lead, and a rule that scores meetings high enough to bring it back."""
        ScoringRule.objects.create(
            name="meeting", kind=ScoringRule.Kind.ACTIVITY, value="meeting", points=90,
            half_life_days=30,
        )  # fmt: skip
        return LeadFactory(
            contact__email="ann@acme.io",
            segment=segment,
            stage=Stage.NURTURE,
            recycle_on=timezone.localdate() + dt.timedelta(days=60),
            intent_score=0,
            intent_band="low",
        )

    def meetings(self):
        return [{"kind": "meeting", "occurred_at": timezone.now().isoformat()}]

    def test_a_web_form_cannot_move_a_nurture_lead_to_mql_with_meetings(
        self, token, nurtured, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post(form(email="ann@acme.io", activities=self.meetings()), token=token)

        assert response.status_code == 400
        nurtured.refresh_from_db()
        assert nurtured.stage == Stage.NURTURE
        assert not nurtured.activities.exists()

    def test_a_source_allowed_meetings_does_bring_the_lead_back(
        self, token, nurtured, django_capture_on_commit_callbacks
    ):
        IntakeSource.objects.update(activity_kinds=[*default_intake_kinds(), "meeting"])

        with django_capture_on_commit_callbacks(execute=True):
            response = post(form(email="ann@acme.io", activities=self.meetings()), token=token)

        assert response.status_code == 202
        nurtured.refresh_from_db()
        assert nurtured.stage == Stage.MQL  # what the default kinds protect against

    def test_a_source_may_be_allowed_more_kinds(self, token):
        IntakeSource.objects.update(activity_kinds=[*default_intake_kinds(), "meeting"])
        meeting = {"kind": "meeting", "occurred_at": timezone.now().isoformat()}

        response = post(form(activities=[meeting]), token=token)

        assert response.status_code == 202
        assert Activity.objects.get().kind == "meeting"

    def test_a_new_source_may_send_marketing_kinds_only(self, segment):
        source = IntakeSource(name="Form", segment=segment)

        assert set(source.activity_kinds) == set(Activity.Kind.values) - {
            "call",
            "email_sent",
            "meeting",
        }

    def test_the_admin_edits_a_sources_kinds(self, token, admin_client):
        source = IntakeSource.objects.get()
        url = reverse("admin:qualification_intakesource_change", args=[source.pk])
        page = admin_client.get(url)
        assert 'type="checkbox" name="activity_kinds" value="meeting"' in page.text

        response = admin_client.post(
            url,
            {
                "name": source.name,
                "segment": source.segment_id,
                "default_source": source.default_source,
                "active": "on",
                "activity_kinds": ["webinar", "call"],
            },
        )

        assert response.status_code == 302
        source.refresh_from_db()
        assert source.activity_kinds == ["webinar", "call"]

    def test_the_admin_refuses_a_source_with_no_kinds_in_words(self, token, admin_client):
        source = IntakeSource.objects.get()
        url = reverse("admin:qualification_intakesource_change", args=[source.pk])

        response = admin_client.post(
            url,
            {
                "name": source.name,
                "segment": source.segment_id,
                "default_source": source.default_source,
                "active": "on",
            },
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {
            "activity_kinds": ["Choose at least one kind, or deactivate the source."]
        }


def test_the_command_sets_the_kinds_a_source_may_send(segment, capsys):
    call_command(
        "create_intake_source", "Events app", "--segment", "core", "--kinds", "webinar,meeting"
    )

    assert IntakeSource.objects.get().activity_kinds == ["webinar", "meeting"]


def test_the_command_refuses_an_unknown_kind(segment):
    with pytest.raises(CommandError, match="“telepathy” is not an activity kind"):
        call_command(
            "create_intake_source", "Events app", "--segment", "core", "--kinds", "telepathy"
        )
    assert not IntakeSource.objects.exists()
