"""Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright's sync API keeps an event loop running in the test thread, so Django's guard against
database calls from async code is lifted here, while the browser runs, and only then. Tests
that use these fixtures talk to `live_server`, whose thread sees only committed data: mark them
`@pytest.mark.django_db(transaction=True, serialized_rollback=True)` (the rollback keeps the
groups and reason codes the migrations seed for the tests that run after them).
"""

import os

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.accessibility import axe_violations
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
TIMEOUT_MS = 5_000
# Playwright's sync API runs an event loop in the test thread; Django would take every ORM call
# there for async code and refuse it.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session")
def _no_ssl_redirect():

    previous = settings.SECURE_SSL_REDIRECT
    settings.SECURE_SSL_REDIRECT = False
    yield previous


@pytest.fixture(scope="session")
def live_server(_no_ssl_redirect, live_server):
    """pytest-django's live server, speaking plain HTTP. Its SecurityMiddleware reads
    SECURE_SSL_REDIRECT once, when the server starts, so a per-test override comes too late."""

    settings.SECURE_SSL_REDIRECT = _no_ssl_redirect
    return live_server


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker) -> Browser:

    # Playwright's sync API leaves its event loop's context current in this thread, and Django
    # keeps connections in context-local storage: from here on the tests get new connection
    # objects. Hand them the database contents serialised at setup, or `serialized_rollback`
    # would silently restore nothing (and the flush would re-run post_migrate).
    with django_db_blocker.unblock():
        serialized = {
            alias: connections[alias]._test_serialized_contents
            for alias in connections
            if hasattr(connections[alias], "_test_serialized_contents")
        }
    # Only while Playwright's loop runs: set for the whole session, it would leak into every
    # subprocess a test starts (`check --deploy` refuses it, rightly).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def browser_settings(settings):
    # The live server speaks plain HTTP: production's secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def _new_page(browser: Browser, live_server, **options) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}, **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def page(browser, live_server, browser_settings) -> Page:
    page = _new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser, live_server, browser_settings) -> Page:
    page = _new_page(browser, live_server, java_script_enabled=False)
    yield page
    page.context.close()


@pytest.fixture
def log_in():
    """Log `user` in through the login form, as a person would."""

    def log_in(page: Page, user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in


@pytest.fixture
def expect_accessible():
    """Run axe-core over the page as it stands and fail with every violation it finds."""

    def expect_accessible(page: Page) -> None:
        violations = axe_violations(page)
        assert not violations, f"axe-core on {page.url}:\n" + "\n".join(violations)

    return expect_accessible
