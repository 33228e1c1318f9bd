"""Walk every URL in the URLconf as anonymous and as each role, against the permission table.

Also on the way: every POST is refused without a CSRF token, and no rendered page carries inline
script (the CSP allows none, so an inline script would be a page that silently does not work).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import roles
from qualification.duplicates.candidates import Pair, record_candidates
from qualification.duplicates.merge import merge_leads
from qualification.models import AccountMatch, DuplicateCandidate, FrameworkItem, ImportJob, Stage
from review.models import ReviewItem, ReviewSession, RuleChangeProposal
from tests.factories import (
    AccountFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
)
from tests.security.permissions import ADMIN_ROLES, PERMISSIONS, Rule

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", *roles.ROLES)


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]
    callback: object


def all_routes() -> list[Route]:
    def walk(patterns, prefix="", namespace=None) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"<unnamed {prefix}{pattern.pattern}>"
                if namespace and pattern.name:
                    name = f"{namespace}:{pattern.name}"
                yield Route(
                    name,
                    prefix + str(pattern.pattern),
                    tuple(pattern.pattern.regex.groupindex)
                    or ("?",) * pattern.pattern.regex.groups,
                    pattern.callback,
                )

    return list(walk(get_resolver().url_patterns))


def app_routes() -> list[Route]:
    return [r for r in all_routes() if not r.route.startswith("admin/")]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.route.startswith("admin/")]


@pytest.fixture
def world(db):
    """One of everything a URL can point at, workable by every role that may work it."""
    users = {
        role: UserFactory(username=f"walk-{role.lower()}", role=role, is_staff=role in ADMIN_ROLES)
        for role in roles.ROLES
    }
    segment = SegmentFactory(slug="core", name="Core")
    segment.sdrs.add(users[roles.SDR])  # the SDR's queue holds the lead
    account = AccountFactory(owner=users[roles.AE])
    lead = LeadFactory(
        contact=ContactFactory(account=account),
        segment=segment,
        stage=Stage.MQL,
        owner=users[roles.SDR],
    )
    group_role = BuyingGroupRoleFactory(contact=lead.contact)
    job = ImportJob.objects.create(
        file="imports/walk.csv",
        original_name="walk.csv",
        source_system="walk",
        segment=segment,
        uploaded_by=users[roles.MARKETING],
    )
    session = ReviewSession.objects.create(
        month=timezone.localdate().replace(day=1), seed=7, opened_by=users[roles.MANAGER]
    )
    item = ReviewItem.objects.create(
        session=session, lead=lead, stratum="manual_review", position=1, stage_when_sampled="mql"
    )
    proposal = RuleChangeProposal.objects.create(
        session=session,
        item=item,
        kind=RuleChangeProposal.Kind.THRESHOLD,
        segment=segment,
        field="mql_threshold",
        current_value="70",
        proposed_value="65",
        rationale="Borderline leads convert.",
        proposed_by=users[roles.MANAGER],
    )
    # A pair every reviewer sees (an MQL in the SDR's queue), and a merge of two leads the SDR
    # owns, made by the manager.
    twin = LeadFactory(contact__account=account, segment=segment, stage=Stage.MQL)
    record_candidates([Pair(lead.pk, twin.pk, 80, [{"key": "name", "value": "walk"}])])
    candidate = DuplicateCandidate.objects.get()
    kept = LeadFactory(account=account, segment=segment, stage=Stage.SAL, owner=users[roles.SDR])
    folded = LeadFactory(
        contact=kept.contact, segment=segment, stage=Stage.SAL, owner=users[roles.SDR]
    )
    merge = merge_leads(survivor=kept, merged=folded, actor=users[roles.MANAGER], reason="walk")
    pks = {
        "qualification:duplicate-pair": {"pk": candidate.pk},
        "qualification:merge-pair": {"pk": candidate.pk},
        "qualification:not-duplicate": {"pk": candidate.pk},
        "qualification:duplicate-merge": {"pk": merge.pk},
        "qualification:undo-merge": {"pk": merge.pk},
        "qualification:accept-lead": {"pk": lead.pk},
        "qualification:reject-lead": {"pk": lead.pk},
        "qualification:lead-detail": {"pk": lead.pk},
        "qualification:save-answer": {"pk": lead.pk, "item_pk": FrameworkItem.objects.first().pk},
        "qualification:add-note": {"pk": lead.pk},
        "qualification:map-role": {"pk": lead.pk},
        "qualification:change-role": {"pk": lead.pk, "role_pk": group_role.pk},
        "qualification:remove-role": {"pk": lead.pk, "role_pk": group_role.pk},
        "qualification:move-lead": {"pk": lead.pk},
        "qualification:account-detail": {"pk": account.pk},
        "qualification:resolve-match": {
            "pk": AccountMatch.objects.create(lead=lead, company="Walk", outcome="review").pk
        },
        "qualification:import-detail": {"pk": job.pk},
        "qualification:import-report": {"pk": job.pk},
        "qualification:import-resume": {"pk": job.pk},
        "review:session": {"pk": session.pk},
        "review:decide": {"pk": session.pk, "item_pk": item.pk},
        "review:propose": {"pk": session.pk},
        "review:close-session": {"pk": session.pk},
        "review:apply-proposal": {"pk": proposal.pk},
        "review:decline-proposal": {"pk": proposal.pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    }
    return {"users": users, "kwargs": pks}


def url_of(route: Route, world) -> str:
    kwargs = world["kwargs"].get(route.name, {})
    missing = set(route.params) - set(kwargs)
    assert not missing, (
        f"{route.name} ({route.route}) takes {sorted(missing)}: add an object for it to the "
        "`world` fixture in tests/security/test_url_walk.py"
    )
    return reverse(route.name, kwargs=kwargs)


def client_for(actor: str, world, **kwargs) -> Client:
    client = Client(**kwargs)
    if actor != "anonymous":
        client.force_login(world["users"][actor])
    return client


def request(client: Client, method: str, url: str):
    return client.post(url, {}) if method == "POST" else client.get(url)


def is_login_redirect(response, login_url: str) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path == login_url


def walk_pages(actor: str, world) -> Iterator[tuple[Route, Rule, object]]:
    """In the table's order, which puts the POSTs that end something (logout) last."""
    client = client_for(actor, world)
    routes = {r.name: r for r in app_routes()}
    for name, rule in PERMISSIONS.items():
        if name in routes:
            yield routes[name], rule, request(client, rule.method, url_of(routes[name], world))


# The table covers the URLconf ------------------------------------------------------------------


def test_every_url_has_an_entry_in_the_permission_table():
    missing = [f"{r.name}  ({r.route})" for r in app_routes() if r.name not in PERMISSIONS]

    assert not missing, (
        "URLs without an entry in tests/security/permissions.py — declare who may use them:\n  "
        + "\n  ".join(missing)
    )


def test_the_permission_table_names_no_url_that_is_gone():
    names = {r.name for r in app_routes()}

    assert set(PERMISSIONS) <= names, f"stale entries: {sorted(set(PERMISSIONS) - names)}"


def test_no_role_the_table_allows_is_stopped_by_the_views_role_decorator():
    # The decorator may be wider than the table (a permission check inside narrows it: only SDRs
    # hold accept_mql); the walk below proves the effective answer.
    disagreements = []
    for route in app_routes():
        declared = getattr(route.callback, "allowed_roles", None)
        rule = PERMISSIONS.get(route.name)
        if declared is None or rule is None or rule.is_public:
            continue
        if not rule.allowed <= frozenset(declared):
            disagreements.append(f"{route.name}: view {sorted(declared)}, table {rule.allowed}")

    assert not disagreements, "\n".join(disagreements)


# Each actor gets what the table says ---------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_every_url_answers_as_the_permission_table_says(actor, world):
    login_url = reverse(django_settings.LOGIN_URL)
    wrong = []
    for route, rule, response in walk_pages(actor, world):
        status = response.status_code
        if rule.is_public:
            expected, fine = f"one of {sorted(rule.ok)}", status in rule.ok
        elif actor == "anonymous":
            expected, fine = "a redirect to the login page", is_login_redirect(response, login_url)
        elif actor in rule.allowed:
            expected, fine = f"one of {sorted(rule.ok)}", status in rule.ok
        else:
            expected, fine = "403", status == 403
        if not fine:
            wrong.append(f"{rule.method} {route.name}: got {status}, expected {expected}")

    assert not wrong, f"as {actor}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("actor", ACTORS)
def test_no_post_only_url_answers_a_get_with_a_page(actor, world):
    client = client_for(actor, world)
    served = []
    for route in app_routes():
        rule = PERMISSIONS.get(route.name)
        if rule is None or rule.method != "POST":
            continue
        status = client.get(url_of(route, world)).status_code
        if status not in {302, 401, 403, 405}:
            served.append(f"GET {route.name}: {status}")

    assert not served, "\n".join(served)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_admin_is_for_staff_only(actor, world):
    client = client_for(actor, world)
    admin_login = reverse("admin:login")
    wrong = []
    for route in admin_routes():
        if route.params or route.name in {"admin:login", "admin:logout"}:
            continue  # object pages need an object of every model; the index rule covers them
        response = client.get(reverse(route.name))
        if actor in ADMIN_ROLES:
            fine = response.status_code in {200, 302, 403} and not is_login_redirect(
                response, admin_login
            )
        else:
            # The site's login page (LoginRequiredMiddleware) or the admin's own.
            fine = is_login_redirect(response, admin_login) or (
                actor == "anonymous" and is_login_redirect(response, reverse("login"))
            )
        if not fine:
            wrong.append(f"{route.name}: {response.status_code}")

    assert not wrong, f"as {actor}:\n  " + "\n  ".join(wrong)


def test_revops_can_open_the_admin_index(world):
    assert client_for(roles.REVOPS, world).get(reverse("admin:index")).status_code == 200


def test_roles_are_the_groups_the_migration_made():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


# CSRF ------------------------------------------------------------------------------------------


def post_routes() -> list[tuple[Route, Rule]]:
    return [
        (r, PERMISSIONS[r.name])
        for r in app_routes()
        if r.name in PERMISSIONS and PERMISSIONS[r.name].method == "POST"
    ]


def test_every_post_is_refused_without_a_csrf_token(world):
    unguarded = []
    for route, rule in post_routes():
        if rule.csrf_exempt:
            continue
        actor = sorted(rule.allowed)[0] if rule.allowed else "anonymous"
        client = client_for(actor, world, enforce_csrf_checks=True)
        response = client.post(url_of(route, world), {})
        if response.status_code != 403 or b"CSRF" not in response.content:
            unguarded.append(f"POST {route.name} as {actor}: {response.status_code}")

    assert not unguarded, "\n".join(unguarded)


def test_every_post_with_the_token_gets_past_csrf(world):
    refused = []
    for route, rule in post_routes():
        if rule.csrf_exempt:
            continue
        actor = sorted(rule.allowed)[0]
        client = client_for(actor, world, enforce_csrf_checks=True)
        client.get(reverse("login"))  # sets the CSRF cookie
        token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
        response = client.post(url_of(route, world), {}, headers={"X-CSRFToken": token})
        if response.status_code not in rule.ok:
            refused.append(f"POST {route.name} as {actor}: {response.status_code}")

    assert not refused, "\n".join(refused)


def test_the_login_form_needs_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "walk-sdr", "password": "x"})

    assert response.status_code == 403


def test_only_token_authenticated_endpoints_are_csrf_exempt():
    for route in app_routes():
        rule = PERMISSIONS.get(route.name)
        exempt = getattr(route.callback, "csrf_exempt", False)
        assert exempt == bool(rule and rule.csrf_exempt), f"{route.name}: csrf_exempt={exempt}"


# No inline script under the CSP ---------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_script_in(html: str) -> list[str]:
    found = [m.group(0) for m in INLINE_SCRIPT.finditer(html)]
    for tag in TAG.findall(html):
        if HANDLER.search(tag) or JS_URL.search(tag):
            found.append(tag[:120])
    return found


def test_the_scanner_finds_each_kind_of_inline_script():
    html = (
        '<script>alert(1)</script><button onclick="x()">b</button>'
        '<div hx-on:click="y()"></div><a href="javascript:z()">a</a>'
        '<script src="/static/app.js" defer></script>'
    )

    assert len(inline_script_in(html)) == 4


def test_the_csp_allows_no_inline_script():
    directives = django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    script_src = directives.get("script-src", directives["default-src"])

    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "*" not in script_src


@pytest.mark.parametrize("actor", ACTORS)
def test_no_page_carries_inline_script(actor, world):
    pages = 0
    offending = []
    for route, rule, response in walk_pages(actor, world):
        if rule.method != "GET" or response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        policy = response.get("Content-Security-Policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            offending.append(f"{route.name}: CSP header is {policy!r}")
        found = inline_script_in(response.content.decode())
        if found:
            offending.append(f"{route.name}: {found}")

    assert pages, f"{actor} rendered no page to scan"
    assert not offending, f"as {actor}:\n  " + "\n  ".join(offending)
