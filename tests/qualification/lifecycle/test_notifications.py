"""The emails (qualification/notifications.py): sent after the commit, in a task, with header
values that cannot break the message, and links to the SITE_URL the app is served at.

The accepts are transactional tests: the accept's transaction really commits inside the
request, so what runs on commit runs there too, as on a server."""

import datetime as dt
import socket

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.lifecycle.notifications import send_lead_brief, send_sla_breach
from qualification.models import Stage
from tests.factories import AccountFactory, ContactFactory, LeadFactory, SegmentFactory, tomorrow
from tests.factories import UserFactory as Users

pytestmark = pytest.mark.django_db
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def sdr(db):
    user = Users(username="sdr", role=roles.SDR)
    SegmentFactory(slug="core", name="Core").sdrs.add(user)
    return user


def mql_named(first_name: str, account_name: str = "Acme") -> object:
    contact = ContactFactory(
        first_name=first_name, last_name="Ng", account=AccountFactory(name=account_name)
    )
    return LeadFactory(
        stage=Stage.MQL, contact=contact, sla_due_at=timezone.now() + dt.timedelta(hours=2)
    )


def accept(client: Client, lead, sdr):
    client.force_login(sdr)
    return client.post(
        reverse("qualification:accept-lead", args=[lead.pk]),
        {
            "owner": str(sdr.pk),
            "icp_confirmed": "on",
            "next_action": "Book discovery call",
            "next_action_due": tomorrow().isoformat(),
        },
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe closes


@committing
def test_an_accept_whose_contact_name_holds_a_line_break_answers_and_sends_the_brief(
    client, sdr, mailoutbox
):
    lead = mql_named("Ann\r\nBcc: everyone@example.com")

    response = accept(client, lead, sdr)

    assert response.status_code in (200, 302)
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL
    assert len(mailoutbox) == 1
    subject = mailoutbox[0].subject
    assert "\r" not in subject and "\n" not in subject
    assert subject == "New lead: Ann Bcc: everyone@example.com Ng at Acme"
    assert mailoutbox[0].bcc == []


@committing
def test_an_accept_answers_when_the_mail_server_is_down(client, sdr, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    lead = mql_named("Ann")

    response = accept(client, lead, sdr)

    assert response.status_code in (200, 302)
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL
    # Logged (as the broker's fault, by enqueue, when the task runs inline), not raised.
    assert any("email_lead_brief" in record.getMessage() for record in caplog.records)


def test_header_values_lose_every_line_break(mailoutbox):
    owner = Users(username="owner", role=roles.SDR)
    lead = mql_named("Ann", account_name="Acme\nLtd\u2028Group")
    lead.owner = owner
    lead.save()

    assert send_lead_brief(lead.pk)
    assert send_sla_breach(lead.pk)

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert not any(mark in message.subject for mark in "\r\n\u2028"), message.subject
    assert mailoutbox[0].subject == "New lead: Ann Ng at Acme Ltd Group"


def test_the_link_in_an_email_is_on_the_site_url(mailoutbox, settings):
    settings.SITE_URL = "https://leads.example.com"
    lead = mql_named("Ann")
    lead.owner = Users(username="owner", role=roles.SDR)
    lead.save()

    send_lead_brief(lead.pk)
    send_sla_breach(lead.pk)

    for message in mailoutbox:
        assert f"https://leads.example.com/leads/{lead.pk}/" in message.body
        assert "127.0.0.1" not in message.body
