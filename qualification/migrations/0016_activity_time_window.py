import datetime as dt

import qualification.models
from django.db import migrations, models
from django.db.models import Max, Q
from django.utils import timezone

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LEEWAY = dt.timedelta(days=1)


def remove_times_outside_the_window(apps, schema_editor):
    """Rows stored before the window existed: an activity in year 1 or 9999 breaks every page
    that shows it (it cannot be converted to the local time zone), and no such time is true,
    so the activity goes; a lead whose last activity time came from one is given its latest
    remaining activity's time (none if it has none left). Scoring ignored these rows already:
    a time before 2000 has decayed to nothing, one in the future is past the scoring window."""
    Activity = apps.get_model("qualification", "Activity")
    Lead = apps.get_model("qualification", "Lead")
    latest = timezone.now() + LEEWAY
    outside = Q(occurred_at__lt=EPOCH) | Q(occurred_at__gt=latest)
    Activity.objects.filter(outside).delete()
    leads = Lead.objects.filter(Q(last_activity_at__lt=EPOCH) | Q(last_activity_at__gt=latest))
    for lead in leads.annotate(latest=Max("activities__occurred_at")).only("pk"):
        Lead.objects.filter(pk=lead.pk).update(last_activity_at=lead.latest)


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0015_intake_source_scope"),
    ]

    operations = [
        migrations.RunPython(remove_times_outside_the_window, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="activity",
            name="occurred_at",
            field=models.DateTimeField(
                validators=[qualification.models.validate_activity_time]
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.CheckConstraint(
                condition=models.Q(occurred_at__gte=EPOCH),
                name="activity_after_2000",
                violation_error_message="An activity's time cannot be before 2000.",
            ),
        ),
    ]
