"""Account fit: which ICP tier the RevOps rules give an account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Account, IcpTier
from qualification.models import IcpRule, IcpSettings

# Fit --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    tier: str
    points: int
    reasons: list[str]


def _rule_matches(rule: IcpRule, account: Account) -> bool:
    value = getattr(account, rule.attribute)
    wanted = {str(v).strip().lower() for v in rule.values}
    if rule.match in (IcpRule.Match.IN, IcpRule.Match.NOT_IN):
        if value in (None, ""):
            return False  # unknown is neither in nor out of a list
        hit = str(value).strip().lower() in wanted
        return hit if rule.match == IcpRule.Match.IN else not hit
    if rule.match == IcpRule.Match.BETWEEN:
        if value is None:
            return False
        number = Decimal(value)
        return (rule.min_value is None or number >= rule.min_value) and (
            rule.max_value is None or number <= rule.max_value
        )
    if rule.match == IcpRule.Match.CONTAINS_ANY:
        return bool({str(t).strip().lower() for t in value or []} & wanted)
    return False


def account_fit(
    account: Account,
    *,
    rules: Iterable[IcpRule] | None = None,
    cutoffs: IcpSettings | None = None,
) -> Fit:
    """The account's tier and the reasons for it; any matching exclusion makes it `out`."""
    rules = list(rules if rules is not None else IcpRule.objects.filter(active=True))
    cutoffs = cutoffs or IcpSettings.load()
    exclusions = [r.name for r in rules if r.exclusion and _rule_matches(r, account)]
    if exclusions:
        return Fit(IcpTier.OUT, 0, [f"Excluded: {name}" for name in exclusions])
    points, reasons = 0, []
    for rule in rules:
        if not rule.exclusion and _rule_matches(rule, account):
            points += rule.points
            reasons.append(f"{rule.name} ({rule.points:+d})")
    if points >= cutoffs.tier_a_min_points:
        tier = IcpTier.A
    elif points >= cutoffs.tier_b_min_points:
        tier = IcpTier.B
    else:
        tier = IcpTier.C
    if not reasons:
        reasons = ["No ICP rule matched what we know of the account"]
    return Fit(tier, points, reasons)


def update_account_fits(accounts: Iterable[Account]) -> int:
    """Recompute and save the tier of each account whose tier or reasons changed."""
    rules = list(IcpRule.objects.filter(active=True))
    cutoffs = IcpSettings.load()
    changed = 0
    for account in accounts:
        fit = account_fit(account, rules=rules, cutoffs=cutoffs)
        if (account.icp_tier, account.icp_reasons) != (fit.tier, fit.reasons):
            account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
            account._change_reason = "ICP rules recomputed the tier"
            account.save(update_fields=["icp_tier", "icp_reasons", "updated_at"])
            changed += 1
    return changed
