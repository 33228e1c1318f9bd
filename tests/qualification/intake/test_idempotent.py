"""One intake call taken once per idempotency key (qualification/intake/idempotent.py)."""

import json

import pytest
from django.utils import timezone

from qualification.intake.idempotent import IntakeRefused, take_intake_call
from qualification.intake.web_form import issue_token
from qualification.models import IntakeRequest, IntakeSource, Lead
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

BODY = json.dumps({"email": "ann@acme.io", "first_name": "Ann", "company": "Acme"}).encode()


@pytest.fixture
def source():
    segment = SegmentFactory(slug="core", name="Core")
    source = IntakeSource(name="Website form", segment=segment, default_source="demo_request")
    issue_token(source)
    source.save()
    return source


def take(source, *, key="k-1", body=BODY, handed_on=None):
    return take_intake_call(
        source=source,
        key=key,
        body=body,
        now=timezone.now(),
        after_commit=(handed_on if handed_on is not None else []).append,
    )


def test_the_first_call_takes_the_lead_and_hands_it_on_after_commit(
    source, django_capture_on_commit_callbacks
):
    handed_on: list = []

    with django_capture_on_commit_callbacks(execute=True):
        taken = take(source, handed_on=handed_on)
        assert handed_on == []  # not before the commit

    assert not taken.replayed
    assert handed_on == [[taken.record.lead_id]]
    assert Lead.objects.get().contact.email == "ann@acme.io"


def test_a_retry_with_the_same_key_and_body_replays_without_writing(
    source, django_capture_on_commit_callbacks
):
    first = take(source)
    handed_on: list = []

    with django_capture_on_commit_callbacks(execute=True):
        again = take(source, key=" k-1 ", handed_on=handed_on)

    assert (again.replayed, again.record.pk, handed_on) == (True, first.record.pk, [])
    assert (Lead.objects.count(), IntakeRequest.objects.count()) == (1, 1)


def test_the_key_with_another_body_is_refused_with_422(source):
    take(source)

    with pytest.raises(IntakeRefused) as refused:
        take(source, body=BODY.replace(b"Ann", b"Bob"))

    assert refused.value.status == 422
    assert refused.value.errors == {"Idempotency-Key": ["key reused with a different body"]}


@pytest.mark.parametrize(
    ("key", "body", "field", "message"),
    [
        ("", BODY, "Idempotency-Key", "a header of 1 to 100 characters is required"),
        ("x" * 101, BODY, "Idempotency-Key", "a header of 1 to 100 characters is required"),
        ("k", b"{nope", "__all__", "the body is not valid JSON"),
        ("k", b"[" * 50 + b"]" * 50, "__all__", "the body is nested too deeply"),
        ("k", b'{"email": NaN}', "__all__", "the body is not valid JSON: NaN is not a number"),
    ],
)
def test_a_bad_key_or_body_is_refused_with_400_and_nothing_written(
    source, key, body, field, message
):
    with pytest.raises(IntakeRefused) as refused:
        take(source, key=key, body=body)

    assert refused.value.status == 400
    assert refused.value.errors[field][0].startswith(message)
    assert not IntakeRequest.objects.exists()
