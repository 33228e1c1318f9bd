"""Who set an account's firmographics: the write every edit by hand goes through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from accounts.models import ENRICHED_FIELDS, PERSON, Account, AccountFieldSource


def mark_set_by_person(
    *, account: Account, fields: Iterable[str], user, now: dt.datetime
) -> list[str]:
    """Record that `user` set these fields of `account` by hand (cleared counts too), so
    enrichment never writes over them; returns the enriched fields among `fields`."""
    marked = [name for name in ENRICHED_FIELDS if name in set(fields)]
    if marked:
        AccountFieldSource.objects.bulk_create(
            [
                AccountFieldSource(
                    account=account,
                    field=name,
                    source=PERSON,
                    set_by=user if getattr(user, "pk", None) else None,
                    set_at=now,
                )
                for name in marked
            ],
            update_conflicts=True,
            unique_fields=["account", "field"],
            update_fields=["source", "set_by", "set_at"],
        )
    return marked
