"""Each StageTransition records when the lead entered the stage it left, so time in stage is a
column difference instead of a window over every lead's history. Existing rows take the lead's
previous transition, or its creation for the first one."""

from django.db import migrations, models

BACKFILL = """
UPDATE qualification_stagetransition
SET from_stage_entered_at = COALESCE(
    (SELECT MAX(p.occurred_at) FROM qualification_stagetransition p
     WHERE p.lead_id = qualification_stagetransition.lead_id
       AND (p.occurred_at < qualification_stagetransition.occurred_at
            OR (p.occurred_at = qualification_stagetransition.occurred_at
                AND p.id < qualification_stagetransition.id))),
    (SELECT l.created_at FROM qualification_lead l
     WHERE l.id = qualification_stagetransition.lead_id)
)
"""


class Migration(migrations.Migration):
    dependencies = [("qualification", "0010_queue_indexes")]

    operations = [
        migrations.AddField(
            model_name="stagetransition",
            name="from_stage_entered_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
    ]
