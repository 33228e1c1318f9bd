"""The normalised company name matching compares (qualification/matching/): `name_key` (cleanco
basename, accents, punctuation and case folded) with a GIN trigram index, and `name_acronym`
for "IBM" = "International Business Machines", and `name_digits`, the numbers in the name
("Studio 54" is not "Studio 55"), whose B-tree index serves the probes of names with numbers,
where trigrams cannot tell "Company 123" from "Company 124" apart cheaply.

Both columns are derived from the name on every write (accounts.fields.DerivedCharField); the
backfill below computes them for the accounts that exist, in Python, since cleanco has no SQL.
The trigram index is PostgreSQL only, raw SQL behind a vendor check as in 0006, so the SQLite
demo migrates and `makemigrations --check` stays clean.
"""

from django.db import migrations

import accounts.fields
from accounts.normalize import acronym, company_key, name_digits

BATCH = 2000


def backfill(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    accounts = Account.objects.order_by("pk").only("pk", "name")
    pending = []
    for account in accounts.iterator(chunk_size=BATCH):
        account.name_key = company_key(account.name)[:255]
        account.name_acronym = acronym(account.name)[:40]
        account.name_digits = name_digits(account.name)[:40]
        pending.append(account)
        if len(pending) == BATCH:
            Account.objects.bulk_update(pending, ["name_key", "name_acronym", "name_digits"])
            pending = []
    if pending:
        Account.objects.bulk_update(pending, ["name_key", "name_acronym", "name_digits"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # fastupdate off: an import inserts accounts and matches the next batch against them at
    # once; with GIN's pending list every probe would scan the unmerged entries linearly
    # (measured five times slower per probe until a vacuum merges them).
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS account_name_key_trgm_idx "
        "ON accounts_account USING gin (name_key gin_trgm_ops) WITH (fastupdate = off)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS account_name_key_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_contact_email_key_and_phone_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="name_acronym",
            field=accounts.fields.AcronymField(
                blank=True, db_index=True, default="", editable=False, max_length=40, source="name"
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="name_digits",
            field=accounts.fields.NameDigitsField(
                blank=True, db_index=True, default="", editable=False, max_length=40, source="name"
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="name_digits",
            field=accounts.fields.NameDigitsField(
                blank=True, default="", editable=False, max_length=40, source="name"
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="name_key",
            field=accounts.fields.CompanyKeyField(
                blank=True, default="", editable=False, max_length=255, source="name"
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="name_acronym",
            field=accounts.fields.AcronymField(
                blank=True, default="", editable=False, max_length=40, source="name"
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="name_key",
            field=accounts.fields.CompanyKeyField(
                blank=True, default="", editable=False, max_length=255, source="name"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
