from django.db import migrations, models

HELP = (
    "Waiting for a person to decide: scored between the nurture floor and the MQL threshold, "
    "or refused by the engine. Any stage change clears it."
)


def clear_flags_left_by_stage_changes(apps, schema_editor):
    """Before the engine cleared it, a borderline lead marked MQL (or parked, or disqualified)
    by a person kept the flag and stayed on the borderline list and in the review sample. A
    lead that has left new has been decided; a nurtured lead the stage rules still cannot move
    is flagged again by the next rescore."""
    Lead = apps.get_model("qualification", "Lead")
    Lead.objects.filter(manual_review=True).exclude(stage="new").update(manual_review=False)


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0016_activity_time_window"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicallead",
            name="manual_review",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.AlterField(
            model_name="lead",
            name="manual_review",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.RunPython(clear_flags_left_by_stage_changes, migrations.RunPython.noop),
    ]
