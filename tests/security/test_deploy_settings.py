"""Production settings: secure cookies, HSTS, a SITE_URL for the links in emails, and Django's
deployment checklist with no warning."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "TESTING": "",
    "SECRET_KEY": "x" * 60 + "production-like-secret-for-the-check",
    "ALLOWED_HOSTS": "leadreview.example.com",
    "SITE_URL": "https://leadreview.example.com",
}


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process; production
    # would not have it (and the checklist rightly refuses it).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, **PRODUCTION, **env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_cookies_are_secure_and_hsts_is_on():
    probe = run(
        "-c",
        "import leadreview.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)",
    )

    assert probe.stdout.split() == ["True"] * 6, probe.stderr


def test_the_deployment_checklist_passes_without_a_warning():
    check = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert check.returncode == 0, check.stdout + check.stderr


def site_url(value: str) -> subprocess.CompletedProcess:
    return run("-c", "import leadreview.settings as s; print(s.SITE_URL)", SITE_URL=value)


def test_production_refuses_to_start_without_a_site_url():
    probe = site_url("")

    assert probe.returncode != 0
    assert "SITE_URL must be set" in probe.stderr


def test_the_site_url_loses_its_trailing_slash():
    probe = site_url("https://leadreview.example.com/")

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "https://leadreview.example.com"


def test_a_site_url_with_a_path_or_without_a_scheme_is_refused():
    for value in ("leadreview.example.com", "https://leadreview.example.com/app", "ftp://x.io"):
        probe = site_url(value)

        assert probe.returncode != 0, value
        assert "SITE_URL must be" in probe.stderr, value


def test_a_site_url_outside_the_allowed_hosts_is_refused():
    probe = site_url("https://elsewhere.example.org")

    assert probe.returncode != 0
    assert "is not in ALLOWED_HOSTS" in probe.stderr


def test_a_plain_http_site_url_is_refused_while_the_site_redirects_to_https():
    probe = site_url("http://leadreview.example.com")

    assert probe.returncode != 0
    assert "https" in probe.stderr
