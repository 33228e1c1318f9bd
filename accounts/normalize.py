"""Normalise what people type about companies and contacts.

Every path that stores an email or a domain goes through these functions (the model fields call
them), so `Acme.COM`, `https://www.acme.com/pricing` and ` acme.com ` are one account.
"""

import functools
import re
from urllib.parse import urlsplit

from accounts.personas import Function, Seniority

# Mailbox providers whose domain says nothing about the company.
PERSONAL_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
    }
)
DISPOSABLE_EMAIL_DOMAINS = frozenset(
    {
        "mailinator.com",
        "10minutemail.com",
        "guerrillamail.com",
        "tempmail.com",
        "yopmail.com",
        "trashmail.com",
        "sharklasers.com",
        "getnada.com",
    }
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def normalize_email(value: str | None) -> str:
    """Lower-case and trim an email address; an empty value stays empty."""
    return (value or "").strip().lower()


_BARE_HOST_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def normalize_domain(value: str | None) -> str:
    """Reduce a website or domain to its bare host: no scheme, `www.`, port, path or dot."""
    text = (value or "").strip().lower()
    if not text:
        return ""
    if _BARE_HOST_RE.match(text) and not text.startswith("www."):
        return text  # already bare: the common case, and urlsplit is slow
    if "@" in text and "/" not in text:  # an email address given where a domain was expected
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "//" + text
    host = urlsplit(text).hostname or ""
    host = host.strip(".")
    if host.startswith("www."):
        host = host[4:]
    return host


def domain_from_email(email: str | None) -> str:
    email = normalize_email(email)
    return normalize_domain(email.rsplit("@", 1)[1]) if "@" in email else ""


def is_valid_email(email: str | None) -> bool:
    return bool(_EMAIL_RE.match(normalize_email(email)))


def is_valid_domain(domain: str | None) -> bool:
    return bool(_DOMAIN_RE.match(normalize_domain(domain)))


def email_kind(email: str | None) -> str:
    """Classify an address as work, personal, disposable or invalid (Contact.EmailKind values)."""
    if not is_valid_email(email):
        return "invalid"
    domain = domain_from_email(email)
    if domain in DISPOSABLE_EMAIL_DOMAINS:
        return "disposable"
    if domain in PERSONAL_EMAIL_DOMAINS:
        return "personal"
    return "work"


# Title → persona. Ordered: the first matching pattern wins, so specific titles come first.
_SENIORITY_RULES: tuple[tuple[str, Seniority], ...] = (
    (
        r"\b(ceo|cfo|cto|cio|ciso|coo|cmo|cro|cpo|chief|founder|co-?founder|owner|president|"
        r"principal|partner)\b",
        Seniority.C_LEVEL,
    ),
    (r"\b(svp|evp|vp|vice president|head of|gm|general manager)\b", Seniority.VP),
    (r"\b(director|dir\.?)\b", Seniority.DIRECTOR),
    (r"\b(manager|mgr|lead|supervisor)\b", Seniority.MANAGER),
    (r"\b(student|intern|trainee)\b", Seniority.STUDENT),
    (r".", Seniority.INDIVIDUAL),
)
_FUNCTION_RULES: tuple[tuple[str, Function], ...] = (
    (r"\b(ceo|founder|co-?founder|owner|president|general manager|gm|coo)\b", Function.EXECUTIVE),
    (r"\b(cfo|finance|financial|controller|accounting|accountant|treasur)", Function.FINANCE),
    (
        r"\b(cto|cio|ciso|it|engineer|engineering|developer|devops|architect|technology|"
        r"technical|software|security|infrastructure|data)\b",
        Function.IT_ENGINEERING,
    ),
    (r"\b(cmo|marketing|growth|demand gen\w*|brand|content|seo)\b", Function.MARKETING),
    (r"\b(cro|sales|account executive|business development|bdr|sdr|revenue)\b", Function.SALES),
    (r"\b(operations|ops|procurement|purchasing|supply chain|logistics)\b", Function.OPERATIONS),
    (r"\b(hr|human resources|people|talent|recruit)", Function.HR),
    (r"\b(product|cpo)\b", Function.PRODUCT),
    (r"\b(student|intern)\b", Function.STUDENT),
)


@functools.lru_cache(maxsize=8192)  # imports repeat the same few hundred titles
def title_to_persona(title: str | None) -> tuple[str, str]:
    """Return (function, seniority) for a free-text job title; ('', '') when nothing is known."""
    raw = " ".join((title or "").lower().split())
    if not raw or raw in {"n/a", "na", "none", "-", "example-job-title", "unknown"}:
        return "", ""
    text = raw.replace("/", " ")
    function = next(
        (name for pattern, name in _FUNCTION_RULES if re.search(pattern, text)), Function.OTHER
    )
    seniority = next(name for pattern, name in _SENIORITY_RULES if re.search(pattern, text))
    return function, seniority


_LEGAL_SUFFIX_RE = re.compile(
    r"[\s,]+(inc|incorporated|llc|l\.l\.c|ltd|limited|plc|gmbh|ag|corp|corporation|co|company|"
    r"s\.a|sa|sas|bv|b\.v|nv|n\.v|pty|pte|oy|ab|as|srl|spa|kk|lp|llp)\.?$",
    re.IGNORECASE,
)


def display_company_name(name: str | None) -> str:
    """`Acme, Inc.` → `Acme`: legal suffixes trimmed for display; the rest kept as typed."""
    text = " ".join((name or "").split())
    while True:
        trimmed = _LEGAL_SUFFIX_RE.sub("", text).strip(" ,")
        if trimmed == text or not trimmed:
            return text
        text = trimmed


def company_name_from_domain(domain: str) -> str:
    """A readable name when all we have is the domain: `northwind-logistics.com` → `Northwind
    Logistics`."""
    stem = normalize_domain(domain).split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]", stem) if part)
