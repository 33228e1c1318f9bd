"""Trigram indexes for the header search (qualification/web/search/): typo-tolerant matches on
company names and domains, people's names and email addresses, served by pg_trgm's GIN operator
class.

PostgreSQL only. The SQLite demo (`make run`) migrates too, so every operation here skips other
databases: CreateExtension does so itself, the indexes are raw SQL behind a vendor check (a
GinIndex in the models' Meta would be created on SQLite as well, and fail there). The models'
Meta is unchanged, so `makemigrations --check` stays clean.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, table, column)
INDEXES = [
    ("account_name_trgm_idx", "accounts_account", "name"),
    ("account_domain_trgm_idx", "accounts_account", "domain"),
    ("contact_last_name_trgm_idx", "accounts_contact", "last_name"),
    ("contact_first_name_trgm_idx", "accounts_contact", "first_name"),
    ("contact_email_trgm_idx", "accounts_contact", "email"),
    # Phone numbers are searched as typed, anywhere in the stored number (LIKE '%...%').
    ("contact_phone_trgm_idx", "accounts_contact", "phone"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_created_at_given_by_the_writer"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
