# A migration of its own: PostgreSQL refuses ALTER TABLE after an UPDATE in one transaction
# while the update's deferred foreign-key checks are pending.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("qualification", "0011_transition_from_stage_entered_at")]

    operations = [
        migrations.AlterField(
            model_name="stagetransition",
            name="from_stage_entered_at",
            field=models.DateTimeField(
                help_text=(
                    "When the lead entered the stage it left: the stay this row ended began then."
                )
            ),
        ),
    ]
