import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_login_page_labels_every_input(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert '<label for="id_username">' in response.text
    assert '<label for="id_password">' in response.text


def test_it_logs_in_and_lands_on_the_roles_start_page(client, sdr):
    response = client.post(reverse("login"), {"username": "sdr", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("qualification:queue")


def test_a_wrong_password_is_refused_with_a_message(client, sdr):
    response = client.post(reverse("login"), {"username": "sdr", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_it_logs_out_by_post(client, sdr):
    client.force_login(sdr)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302  # back to the login page


def test_it_does_not_log_out_by_get(client, sdr):
    client.force_login(sdr)

    assert client.get(reverse("logout")).status_code == 405


def test_every_page_offers_a_logout_form(client, sdr):
    client.force_login(sdr)

    html = client.get(reverse("qualification:queue")).text

    assert f'<form class="logout" method="post" action="{reverse("logout")}">' in html
    assert "csrfmiddlewaretoken" in html


def test_the_password_reset_link_is_on_the_site_url_whatever_host_was_asked(
    client, sdr, settings, mailoutbox
):
    settings.SITE_URL = "https://leads.example.com"
    settings.ALLOWED_HOSTS = ["leads.example.com", "internal.example"]

    client.post(reverse("password_reset"), {"email": sdr.email}, HTTP_HOST="internal.example")

    assert len(mailoutbox) == 1
    assert "https://leads.example.com/accounts/reset/" in mailoutbox[0].body
    assert "internal.example" not in mailoutbox[0].body
