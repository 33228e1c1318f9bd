"""Fuzz the JSON intake endpoint: whatever arrives, never a 500 and never a partial write."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import Account, Contact
from qualification.intake.web_form import TEXT_FIELDS, issue_token
from qualification.models import ACTIVITY_EPOCH, Activity, IntakeRequest, IntakeSource, Lead
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
URL = "/api/intake/leads/"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
# Long, odd or hostile text: NUL bytes, lone surrogates are not JSON-encodable, so no.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "a\x00b", "=cmd|' /C calc'!A0", "😀" * 50, "é" * 300]),
    st.builds(lambda n, c: c * n, st.integers(100, 80_000), st.sampled_from(["x", "@", "é", " "])),
)
field_values = st.one_of(nasty_text, json_values)
emails = st.one_of(
    st.emails().map(str),
    nasty_text,
    st.builds(lambda n: "a" * n + "@acme.io", st.integers(1, 400)),
)
# Times at and past the edges: year 1 and 9999 with and without an offset, offsets no clock
# has (+99:00), days ahead. Year 1 once stored made the lead's page a 500 for everyone.
hostile_times = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+05:00",
            "0001-01-01T00:00:00-05:00",
            "9999-12-31T23:59:59-05:00",
            "2026-01-01T10:00:00+99:00",
            "2026-01-01T10:00:00-24:00",
            "1999-12-31T23:59:59Z",
        ]
    ),
    st.builds(
        lambda year, hours, minutes, sign: (
            f"{year:04d}-06-01T12:00:00{sign}{hours:02d}:{minutes:02d}"
        ),
        st.integers(1, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
        st.sampled_from("+-"),
    ),
    st.floats(-1, 400).map(lambda days: (timezone.now() + dt.timedelta(days=days)).isoformat()),
)
activities = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.one_of(st.sampled_from(sorted(Activity.Kind.values)), field_values),
            "occurred_at": st.one_of(
                st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                st.just("2026-11-22T10:00:00Z"),
                hostile_times,
                field_values,
            ),
        }
    )
    | json_values,
    max_size=4,
)
forms = st.fixed_dictionaries(
    {"email": emails},
    optional={
        **{name: field_values for name in TEXT_FIELDS if name != "email"},
        "form_answers": st.one_of(
            # json.dumps writes NaN and Infinity for these floats, which JSON does not allow
            st.dictionaries(nasty_text, st.one_of(nasty_text, st.integers(), st.floats())),
            json_values,
        ),
        "activities": activities,
        "segment": field_values,
    },
)
bodies = st.one_of(
    forms.map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.builds(lambda n: '{"email": "' + "x" * n + '"}', st.integers(60_000, 70_000)),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 30_000)),
)
header_text = st.text(
    st.characters(min_codepoint=32, max_codepoint=126), max_size=120
)  # what an HTTP header can carry


@pytest.fixture
def token():
    source = IntakeSource(name="Fuzzed form", segment=SegmentFactory(slug="core", name="Core"))
    secret = issue_token(source)
    source.save()
    return secret


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Lead, Contact, Account, Activity, IntakeRequest)
    )


def check(response, before):
    event(f"status {response.status_code}")
    assert response.status_code < 500
    if 400 <= response.status_code < 500:
        assert counts() == before, f"a {response.status_code} wrote rows"
        assert response.json()["errors"]
    else:
        latest = timezone.now() + dt.timedelta(days=1)
        outside = Activity.objects.exclude(occurred_at__range=(ACTIVITY_EPOCH, latest))
        assert not outside.exists(), "an activity time outside the window was stored"


@FUZZ
@given(body=bodies, key=header_text)
def test_any_body_gets_an_answer_and_a_refusal_writes_nothing(token, body, key):
    before = counts()
    response = Client().post(
        URL,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    check(response, before)


@FUZZ
@given(
    body=forms.map(json.dumps),
    authorization=st.one_of(header_text, st.just("Bearer "), header_text.map("Bearer {}".format)),
    key=st.one_of(st.none(), header_text),
    content_type=st.one_of(st.just("application/json"), st.just("text/plain"), header_text),
)
def test_any_headers_get_an_answer_and_a_refusal_writes_nothing(
    token, body, authorization, key, content_type
):
    headers = {"Authorization": authorization}
    if key is not None:
        headers["Idempotency-Key"] = key
    before = counts()
    response = Client().post(URL, data=body, content_type=content_type, headers=headers)
    check(response, before)
    assert response.status_code == 401  # no fuzzed header is the source's token


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ann@acme.io", "segment": "\x00"},
        {"email": "ann@acme.io", "form_answers": {"\x00": "x"}},
        {"email": "ann@acme.io", "title": "VP\x00"},
    ],
)
def test_text_postgresql_cannot_store_is_refused_with_a_400(token, body):
    before = counts()
    response = Client().post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "nul"},
    )

    assert response.status_code == 400
    assert "NUL" in response.json()["errors"]["__all__"][0]
    assert counts() == before


def test_a_lone_surrogate_is_refused_with_a_400(token):
    response = Client().post(
        URL,
        data='{"email": "ann@acme.io", "first_name": "\\ud9d6"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "surrogate"},
    )

    assert response.status_code == 400


def raw_post(token, raw: str, key: str = "edge"):
    return Client().post(
        URL,
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def with_time(occurred_at: str) -> str:
    return json.dumps(
        {"email": "ann@acme.io", "activities": [{"kind": "webinar", "occurred_at": occurred_at}]}
    )


@pytest.mark.parametrize(
    "raw",
    [
        with_time("0001-01-01T00:00:00Z"),
        with_time("0001-01-01T00:00:00+05:00"),
        with_time("0001-01-01T00:00:00-05:00"),
        with_time("2026-01-01T10:00:00+99:00"),
        with_time("9999-12-31T23:59:59-05:00"),
        pytest.param("DAYS_AHEAD", id="two-days-ahead"),
        "[" * 30_000 + "]" * 30_000,
        '{"email": "ann@acme.io", "form_answers": ' + "[" * 30_000 + "]" * 30_000 + "}",
        '{"email": "ann@acme.io", "form_answers": {"Team size": NaN}}',
        '{"email": "ann@acme.io", "form_answers": {"Team size": Infinity}}',
        '{"email": "ann@acme.io", "form_answers": {"Team size": -Infinity}}',
    ],
    ids=lambda raw: raw[:60],
)
def test_the_inputs_that_once_broke_a_page_are_a_400_and_write_nothing(token, raw, admin_client):
    if raw == "DAYS_AHEAD":
        raw = with_time((timezone.now() + dt.timedelta(days=2)).isoformat())
    before = counts()

    response = raw_post(token, raw)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert counts() == before
    assert admin_client.get(reverse("admin:qualification_activity_changelist")).status_code == 200
