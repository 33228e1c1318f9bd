"""Each account's existing domain becomes its primary AccountDomain (history: one '+' row each).

Set-based, so a large table moves in two statements; reversing deletes the rows (Account.domain
keeps the primary's copy, so nothing is lost)."""

from django.db import migrations


def forwards(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO accounts_accountdomain (account_id, domain, is_primary, created_at) "
        "SELECT id, domain, TRUE, created_at FROM accounts_account WHERE domain IS NOT NULL "
        "AND id NOT IN (SELECT account_id FROM accounts_accountdomain)"
    )
    schema_editor.execute(
        "INSERT INTO accounts_historicalaccountdomain (id, account_id, domain, is_primary, "
        "created_at, history_date, history_change_reason, history_type, history_user_id) "
        "SELECT d.id, d.account_id, d.domain, d.is_primary, d.created_at, CURRENT_TIMESTAMP, "
        "'Primary domain moved from the account', '+', NULL FROM accounts_accountdomain d"
    )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "HistoricalAccountDomain").objects.all().delete()
    apps.get_model("accounts", "AccountDomain").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_account_domains_and_parents"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
