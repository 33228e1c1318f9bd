"""An account's domains: the one writer of AccountDomain rows and of the Account.domain mirror.

Every domain an account is known by is an AccountDomain row, unique across accounts, reduced to
the registered domain (`eu.acme.co.uk` → `acme.co.uk`). Exactly one per account is primary;
Account.domain holds a copy of it for display, sorting and the code that shows one domain, and
only the functions here write either, so the two cannot disagree. Lookups by domain read
AccountDomain (`account_ids_by_domain`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, AccountDomain
from accounts.normalize import is_company_domain, is_valid_domain, normalize_domain


def clean_domain(value: str | None) -> str:
    """The registered domain of `value`, or ValidationError saying why it cannot be a company's."""
    domain = normalize_domain(value)
    if not domain or not is_valid_domain(domain):
        raise ValidationError(f"“{value}” is not a website or domain.", code="invalid")
    if not is_company_domain(domain):
        raise ValidationError(
            f"{domain} is a free or throwaway mailbox provider, nobody's company.",
            code="free_mail",
        )
    return domain


@transaction.atomic
def add_domain(
    *, account: Account, domain: str, primary: bool = False, actor=None, reason: str = ""
) -> AccountDomain:
    """Give `account` another domain; the first one, or `primary=True`, becomes its primary.
    Refuses a domain another account has, with that account's name."""
    try:
        domain = clean_domain(domain)
    except ValidationError as refused:
        raise ValidationError({"domain": refused.messages}) from refused
    taken = AccountDomain.objects.filter(domain=domain).select_related("account").first()
    if taken is not None:
        if taken.account_id == account.pk:
            if primary and not taken.is_primary:
                make_primary(account_domain=taken, actor=actor, reason=reason)
            return taken
        raise ValidationError({"domain": f"{domain} already belongs to {taken.account.name}."})
    _lock(account.pk)
    current = AccountDomain.objects.filter(account=account, is_primary=True).first()
    primary = primary or current is None  # the first domain is the primary
    if primary and current is not None:
        current.is_primary = False
        _stamp(current, actor, reason or f"{domain} made primary")
        current.save(update_fields=["is_primary"])
    row = AccountDomain(account=account, domain=domain, is_primary=primary)
    _stamp(row, actor, reason or f"Domain {domain} added")
    row.save()
    if primary:
        mirror_primary(account=account, actor=actor, reason=reason)
    return row


@transaction.atomic
def make_primary(*, account_domain: AccountDomain, actor=None, reason: str = "") -> None:
    """Make `account_domain` its account's primary, and mirror it on Account.domain (on the
    caller's instance too, `account_domain.account`)."""
    _lock(account_domain.account_id)
    account = account_domain.account
    for other in AccountDomain.objects.filter(account=account, is_primary=True).exclude(
        pk=account_domain.pk
    ):
        other.is_primary = False
        _stamp(other, actor, reason or f"{account_domain.domain} made primary")
        other.save(update_fields=["is_primary"])
    if not account_domain.is_primary:
        account_domain.is_primary = True
        _stamp(account_domain, actor, reason or "Made primary")
        account_domain.save(update_fields=["is_primary"])
    mirror_primary(account=account, actor=actor, reason=reason)


@transaction.atomic
def remove_domain(*, account_domain: AccountDomain, actor=None, reason: str = "") -> None:
    """Take a domain off its account; removing the primary promotes the oldest other one."""
    _lock(account_domain.account_id)
    account = account_domain.account
    _stamp(account_domain, actor, reason or f"Domain {account_domain.domain} removed")
    account_domain.delete()
    if account_domain.is_primary:
        successor = AccountDomain.objects.filter(account=account).order_by("created_at", "pk")
        if (row := successor.first()) is not None:
            row.account = account
            make_primary(account_domain=row, actor=actor, reason=reason)
            return
    mirror_primary(account=account, actor=actor, reason=reason)


@transaction.atomic
def save_domains(
    *,
    account: Account,
    changed: list[AccountDomain],
    removed: list[AccountDomain],
    actor=None,
    reason: str = "",
) -> None:
    """Write what an editor of the account's domain list decided (the admin's inline): removed
    rows go, then changed and new rows are saved plain ones first, so the one-primary index never
    sees two; then the mirror. The caller has checked that one primary remains."""
    _lock(account.pk)
    for row in removed:
        _stamp(row, actor, reason or f"Domain {row.domain} removed")
        row.delete()
    promoted = [row.pk for row in changed if row.is_primary and row.pk is not None]
    if any(row.is_primary for row in changed):
        for other in AccountDomain.objects.filter(account=account, is_primary=True).exclude(
            pk__in=promoted
        ):
            if other not in changed:
                other.is_primary = False
                _stamp(other, actor, reason or "Another domain made primary")
                other.save(update_fields=["is_primary"])
    for row in sorted(changed, key=lambda row: row.is_primary):
        row.account = account
        _stamp(row, actor, reason or f"Domain {row.domain} saved")
        row.save()
    mirror_primary(account=account, actor=actor, reason=reason)


def mirror_primary(*, account: Account, actor=None, reason: str = "") -> None:
    """Copy the account's primary domain (or none) onto Account.domain, with a history row
    when it changes. Called by the functions above and by the admin after its inline saves."""
    primary = (
        AccountDomain.objects.filter(account=account, is_primary=True)
        .values_list("domain", flat=True)
        .first()
    )
    if account.domain != primary:
        account.domain = primary
        _stamp(account, actor, reason or f"Primary domain {primary or 'removed'}")
        account.save(update_fields=["domain", "updated_at"])


def new_primaries(accounts: Iterable[Account], *, reason: str) -> list[AccountDomain]:
    """The primary AccountDomain rows for accounts a batch inserts with Account.domain set, for
    the batch to insert with them (the import writes both in bulk, with history)."""
    rows = []
    for account in accounts:
        if account.domain:
            row = AccountDomain(account=account, domain=account.domain, is_primary=True)
            row._change_reason = reason
            rows.append(row)
    return rows


def account_ids_by_domain(domains: Iterable[str]) -> dict[str, int]:
    """{domain: account id} for the `domains` some account has (primary or not): one query."""
    wanted = {normalize_domain(d) for d in domains} - {""}
    if not wanted:
        return {}
    return dict(AccountDomain.objects.filter(domain__in=wanted).values_list("domain", "account_id"))


def _lock(account_id: int) -> None:
    # Two writers of one account's domains queue here, so "one primary" is never raced.
    list(Account.objects.select_for_update().filter(pk=account_id).values_list("pk"))


def _stamp(obj, actor, reason: str) -> None:
    obj._change_reason = reason[:100]
    if actor is not None:
        obj._history_user = actor
