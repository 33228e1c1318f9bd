import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact, IcpTier
from qualification.api import issue_token
from qualification.models import Activity, IntakeRequest, IntakeSource, Lead, Stage
from tests.factories import AccountFactory, SegmentFactory

pytestmark = pytest.mark.django_db
URL = "/api/intake/leads/"


@pytest.fixture
def segment(sdr):
    segment = SegmentFactory(slug="core", name="Core")
    segment.sdrs.add(sdr)
    return segment


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
        assert post(form(), token=token).status_code == 201


class TestCreate:
    def test_a_new_lead_gets_201_with_its_id_and_stage(self, token):
        response = post(form(), token=token)

        assert response.status_code == 201
        body = response.json()
        lead = Lead.objects.select_related("contact", "account").get(pk=body["id"])
        assert body == {
            "id": lead.pk,
            "stage": lead.stage,
            "outcome": "created",
            "intent_score": lead.intent_score,
            "replayed": False,
        }
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

        assert response.status_code == 201
        lead = Lead.objects.get()
        assert lead.stage == Stage.MQL
        assert lead.owner == sdr
        assert "demo request" in lead.score_explanation
        assert lead.activities.count() == 3


class TestIdempotency:
    def test_the_same_key_twice_creates_one_lead_and_replays_the_answer(self, token):
        first = post(form(), token=token, key="abc")
        before = world()

        again = post(form(first_name="Someone else"), token=token, key="abc")

        assert again.status_code == 201
        assert again.json() == {**first.json(), "replayed": True}
        assert world() == before

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
            (form(segment="nope"), {"segment": ["no segment “nope”"]}),
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
        assert post(form(), token=token, key="retry").status_code == 201


class TestDedupe:
    def test_a_known_person_merges_into_their_lead_with_200(self, token):
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

        assert again.status_code == 200
        assert again.json()["id"] == first["id"] and again.json()["outcome"] == "merged"
        assert Lead.objects.count() == 1 and Contact.objects.count() == 1
        assert Contact.objects.get().phone == "+44 20 7946 0000"
        assert Activity.objects.get().lead_id == first["id"]

    def test_a_colleague_joins_the_same_account(self, token):
        post(form(), token=token, key="one")
        post(form(email="bob@acme.io", first_name="Bob"), token=token, key="two")
        assert Account.objects.count() == 1 and Contact.objects.count() == 2


def test_the_command_creates_a_source_whose_token_works(segment, capsys):
    call_command("create_intake_source", "Partner portal", "--segment", "core")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert post(form(), token=token).status_code == 201
    assert Lead.objects.get().source == "form"
