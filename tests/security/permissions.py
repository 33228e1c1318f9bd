"""The permission table: who may open every URL in the URLconf. The table is the spec.

Every named URL pattern outside the admin must have an entry, or tests/security/test_url_walk.py
fails and names it. An entry says which roles may use the URL, with which method, and what an
allowed role gets back. Anonymous users are sent to the login page unless the entry is public; a
role not listed gets a 403.

The admin (`admin:*`) is one entry: its own login, staff only (RevOps), Django's model
permissions inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts import roles

ALL = frozenset(roles.ROLES)
PUBLIC = None  # no login needed


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | None
    method: str = "GET"
    # What an allowed role gets back from an empty request: a page, a redirect after a POST, a
    # form refused (400/422), an object the POST cannot act on (404/409)...
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    csrf_exempt: bool = False  # only for token-authenticated machine endpoints

    @property
    def is_public(self) -> bool:
        return self.allowed is None


def roles_(*names: str) -> frozenset[str]:
    return frozenset(names)


POST_OK = frozenset({200, 204, 302, 400, 404, 409, 422})
QUEUE = roles_(roles.SDR, roles.MANAGER, roles.REVOPS)
WORKERS = roles_(roles.AE, roles.SDR, roles.MANAGER)
REVIEWERS = roles_(roles.MANAGER, roles.REVOPS, roles.SDR, roles.MARKETING)
METRICS = roles_(roles.MANAGER, roles.MARKETING, roles.REVOPS)
IMPORT_READERS = roles_(roles.MARKETING, roles.REVOPS, roles.MANAGER)

PERMISSIONS: dict[str, Rule] = {
    # Each role's start page: a redirect to where that role works.
    "home": Rule(ALL, ok=frozenset({302})),
    # Authentication: public, except changing one's own password.
    "login": Rule(PUBLIC),
    "password_change": Rule(ALL),
    "password_change_done": Rule(ALL),
    "password_reset": Rule(PUBLIC),
    "password_reset_done": Rule(PUBLIC),
    "password_reset_confirm": Rule(PUBLIC),
    "password_reset_complete": Rule(PUBLIC),
    # JSON intake for web forms: a bearer token per source, no session and no CSRF cookie.
    "intake-lead": Rule(PUBLIC, method="POST", ok=frozenset({401}), csrf_exempt=True),
    # The SAL queue.
    "qualification:queue": Rule(QUEUE),
    # Managers and RevOps watch the queue; only SDRs hold accept_mql / reject_mql.
    "qualification:claim-next": Rule(roles_(roles.SDR), method="POST", ok=POST_OK),
    "qualification:accept-lead": Rule(roles_(roles.SDR), method="POST", ok=POST_OK),
    "qualification:reject-lead": Rule(roles_(roles.SDR), method="POST", ok=POST_OK),
    # Leads and discovery: everyone reads; those who work the lead write.
    "qualification:lead-list": Rule(ALL),
    "qualification:lead-detail": Rule(ALL),
    "qualification:save-answer": Rule(WORKERS, method="POST", ok=POST_OK),
    "qualification:add-note": Rule(WORKERS, method="POST", ok=POST_OK),
    "qualification:map-role": Rule(WORKERS, method="POST", ok=POST_OK),
    "qualification:change-role": Rule(WORKERS, method="POST", ok=POST_OK),
    "qualification:remove-role": Rule(WORKERS, method="POST", ok=POST_OK),
    "qualification:move-lead": Rule(WORKERS, method="POST", ok=POST_OK),
    # Accounts: everyone reads (read-only).
    "qualification:account-detail": Rule(ALL),
    # Search: everyone, over what they may open (a query naming one record redirects to it).
    "qualification:search": Rule(ALL),
    # Duplicates: SDRs review the pairs in their queue or owned by them, managers and RevOps
    # all; the engine decides whether the merge's move of the lead is theirs to make.
    "qualification:duplicates": Rule(QUEUE),
    "qualification:duplicate-pair": Rule(QUEUE),
    "qualification:merge-pair": Rule(QUEUE, method="POST", ok=POST_OK),
    "qualification:not-duplicate": Rule(QUEUE, method="POST", ok=POST_OK),
    "qualification:duplicate-merge": Rule(QUEUE),
    "qualification:undo-merge": Rule(QUEUE, method="POST", ok=POST_OK),
    # Match review: RevOps and managers settle any match, SDRs and AEs their own leads'.
    "qualification:match-review": Rule(roles_(roles.REVOPS, roles.MANAGER, roles.SDR, roles.AE)),
    "qualification:resolve-match": Rule(
        roles_(roles.REVOPS, roles.MANAGER, roles.SDR, roles.AE), method="POST", ok=POST_OK
    ),
    "review:borderline-leads": Rule(roles_(roles.MANAGER, roles.REVOPS, roles.MARKETING)),
    # Imports: Marketing and RevOps upload; Managers read.
    "qualification:import-list": Rule(IMPORT_READERS),
    "qualification:import-new": Rule(roles_(roles.MARKETING, roles.REVOPS)),
    "qualification:import-detail": Rule(IMPORT_READERS),
    "qualification:import-report": Rule(IMPORT_READERS),
    "qualification:import-resume": Rule(
        roles_(roles.MARKETING, roles.REVOPS), method="POST", ok=POST_OK
    ),
    # The review board and metrics.
    "review:sessions": Rule(REVIEWERS),
    "review:session": Rule(REVIEWERS),
    "review:decide": Rule(REVIEWERS, method="POST", ok=POST_OK),
    "review:propose": Rule(REVIEWERS, method="POST", ok=POST_OK),
    "review:apply-proposal": Rule(roles_(roles.REVOPS), method="POST", ok=POST_OK),
    "review:decline-proposal": Rule(roles_(roles.REVOPS), method="POST", ok=POST_OK),
    "review:open-session": Rule(roles_(roles.MANAGER), method="POST", ok=POST_OK),
    "review:metrics": Rule(METRICS),
    "review:metrics-csv": Rule(METRICS),
    # Last: it makes the session read-only for what follows.
    "review:close-session": Rule(roles_(roles.MANAGER), method="POST", ok=POST_OK),
    # Last of all: it ends the session the walk runs in.
    "logout": Rule(ALL, method="POST", ok=frozenset({302})),
}

ADMIN_ROLES = roles_(roles.REVOPS)  # is_staff; inside, Django's model permissions decide
