"""Give every row the data migrations seeded (reason codes, frameworks and their items, the ICP
cut-offs, ICP and scoring rules) the history row a save through the app would have written.

Migrations write through historical models, which simple-history does not watch: without this the
first change to a seeded rule has nothing to compare with, and its history shows no diff.
"""

from django.db import migrations
from django.utils import timezone

SEEDED = ("ReasonCode", "Framework", "FrameworkItem", "IcpSettings", "IcpRule", "ScoringRule")
REASON = "Installed with LeadReview"


def start_history(apps, schema_editor):
    now = timezone.now()
    for name in SEEDED:
        model = apps.get_model("qualification", name)
        history = apps.get_model("qualification", f"Historical{name}")
        copied = [field.attname for field in model._meta.concrete_fields]
        tracked = history.objects.values("id")
        history.objects.bulk_create(
            [
                history(
                    **{attname: getattr(row, attname) for attname in copied},
                    history_date=now,
                    history_type="+",
                    history_change_reason=REASON,
                )
                for row in model.objects.exclude(pk__in=tracked).order_by("pk")
            ]
        )


def forget_history(apps, schema_editor):
    for name in SEEDED:
        history = apps.get_model("qualification", f"Historical{name}")
        history.objects.filter(history_change_reason=REASON, history_type="+").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0019_constraint_messages_in_words"),
    ]

    operations = [migrations.RunPython(start_history, forget_history)]
