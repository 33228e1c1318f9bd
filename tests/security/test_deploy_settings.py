"""Production settings: secure cookies, HSTS, and Django's deployment checklist with no warning."""

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
}


def run(*args: str) -> subprocess.CompletedProcess:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process; production
    # would not have it (and the checklist rightly refuses it).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, **PRODUCTION}
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
