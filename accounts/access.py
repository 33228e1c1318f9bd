"""Who may open each page: one table, read by the navigation, `home_url` and the views'
`role_required`. A page's roles change here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from accounts import roles
from accounts.roles import AE, MANAGER, MARKETING, REVOPS, SDR


@dataclass(frozen=True)
class Page:
    label: str  # what the navigation shows
    url_name: str
    roles: tuple[str, ...]

    def allows(self, user: AbstractBaseUser) -> bool:
        return roles.has_role(user, *self.roles)


QUEUE = Page("Queue", "qualification:queue", (SDR, MANAGER, REVOPS))
LEAD_LIST = Page("Leads", "qualification:lead-list", (AE, SDR, MANAGER, REVOPS, MARKETING))
BOARD = Page("Review board", "review:borderline-leads", (MANAGER, REVOPS, MARKETING))
METRICS = Page("Metrics", "review:metrics", (MANAGER, MARKETING, REVOPS))
IMPORTS = Page("Imports", "qualification:import-list", (MARKETING, REVOPS, MANAGER))
DUPLICATES = Page("Duplicates", "qualification:duplicates", (SDR, MANAGER, REVOPS))
# Match review: RevOps and managers settle every match; SDRs and AEs their own leads'.
MATCH_REVIEW = Page("Match review", "qualification:match-review", (REVOPS, MANAGER, SDR, AE))
NAVIGATION = (QUEUE, LEAD_LIST, DUPLICATES, BOARD, METRICS, IMPORTS, MATCH_REVIEW)

# What some roles may do on pages others may also open.
IMPORT_UPLOAD_ROLES = (MARKETING, REVOPS)
LEAD_WRITE_ROLES = (AE, SDR, MANAGER)
# Who may open lead and account pages, and so what the header search may show.
RECORD_READ_ROLES = (SDR, AE, MANAGER, REVOPS, MARKETING)
REVIEW_SESSION_ROLES = (MANAGER, REVOPS, SDR, MARKETING)

# Where a user starts: the first role they hold, in this order, decides. RevOps staff start in
# the admin, where their rules are.
HOME = {SDR: QUEUE, AE: LEAD_LIST, MANAGER: BOARD, REVOPS: LEAD_LIST, MARKETING: LEAD_LIST}


def home_url(user: AbstractBaseUser) -> str | None:
    held = roles.user_roles(user)
    for role in roles.ROLES:
        if role in held:
            if role == REVOPS and user.is_staff:
                return reverse("admin:index")
            return reverse(HOME[role].url_name)
    if user.is_superuser:
        return reverse("admin:index")
    return None


def navigation(user: AbstractBaseUser, *, current: str) -> list[dict]:
    """The pages this user may open, each marked current when it is the one being shown."""
    if not user.is_authenticated:
        return []
    links = [
        {"label": page.label, "url": reverse(page.url_name), "current": current == page.url_name}
        for page in NAVIGATION
        if page.allows(user)
    ]
    if user.is_staff:
        links.append({"label": "Admin", "url": reverse("admin:index"), "current": False})
    return links
