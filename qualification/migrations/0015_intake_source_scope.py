import qualification.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """A source declares the activity kinds it may send (existing sources get the contact-side
    kinds, no sales touches); a request keeps its body's hash, so a reused key is recognised."""

    dependencies = [
        ("qualification", "0014_segment_mql_threshold_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="intakerequest",
            name="body_hash",
            field=models.CharField(
                blank=True,
                help_text="SHA-256 of the body, so the same key with another body is refused; "
                "blank on requests from before it was kept.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="intakesource",
            name="activity_kinds",
            field=models.JSONField(
                default=qualification.models.default_intake_kinds,
                help_text="The activity kinds this source may report; any other is refused.",
                validators=[qualification.models.validate_activity_kinds],
            ),
        ),
    ]
