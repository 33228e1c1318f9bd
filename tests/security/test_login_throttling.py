"""Login throttling with django-axes: five wrong passwords lock the username from that address."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.security import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, password, username="sdr", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_it_locks_the_login_after_five_failures(client, sdr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200

    response = attempt(client, "wrong")

    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "sdr" in response.text


def test_a_locked_login_refuses_even_the_right_password(client, sdr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")

    response = attempt(client, PASSWORD)

    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302  # still anonymous


def test_the_lock_does_not_reach_another_address(client, sdr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")

    response = attempt(Client(REMOTE_ADDR="10.0.0.9"), PASSWORD, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 302


def test_a_success_resets_the_count(client, sdr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")

    assert attempt(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="sdr", failures_since_start__gt=0).exists()


def test_the_lock_expires_after_the_cool_off(client, sdr, settings, time_machine):
    time_machine.move_to("2026-11-20 10:00Z", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")

    time_machine.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))

    assert attempt(client, PASSWORD).status_code == 302


def test_it_reads_the_client_behind_the_configured_proxies(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert client_ip(request) == "203.0.113.7"  # the spoofable left-hand entry is ignored


def test_it_trusts_no_forwarded_header_without_a_proxy(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert client_ip(request) == "10.0.0.1"


def test_behind_a_proxy_two_users_are_throttled_apart(client, sdr, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")

    response = attempt(
        Client(), PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )

    assert response.status_code == 302
