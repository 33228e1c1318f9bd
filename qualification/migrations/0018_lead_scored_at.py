from django.db import migrations, models


class Migration(migrations.Migration):
    """Leads scored before this have no time; the next nightly rescore gives every open lead
    one (the statement rewrites a row that was never marked scored), once."""

    dependencies = [
        ("qualification", "0017_manual_review_cleared_by_stage_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="scored_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the scoring statement first scored the lead or last changed its "
                "score (empty: never scored).",
                null=True,
            ),
        ),
    ]
