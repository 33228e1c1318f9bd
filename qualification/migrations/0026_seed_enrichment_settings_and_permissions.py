from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

GRANTS = {
    "RevOps": [
        "view_enrichmentsettings", "change_enrichmentsettings",
        "view_firmographicrecord", "view_enrichmentrun",
    ],
    "Manager": ["view_enrichmentsettings"],
}


def seed(apps, schema_editor):
    """The one settings row: no provider until a file is loaded, every field fill-empty."""
    EnrichmentSettings = apps.get_model("qualification", "EnrichmentSettings")
    History = apps.get_model("qualification", "HistoricalEnrichmentSettings")
    if not EnrichmentSettings.objects.exists():
        row = EnrichmentSettings.objects.create()
        # The history row a save through the app writes (see 0020), so the first edit diffs.
        History.objects.create(
            **{f.attname: getattr(row, f.attname) for f in EnrichmentSettings._meta.concrete_fields},
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="Installed with LeadReview",
        )


def grant(apps, schema_editor):
    app_config = apps.get_app_config("qualification")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        Group.objects.get(name=name).permissions.add(
            *Permission.objects.filter(
                content_type__app_label="qualification", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        Group.objects.get(name=name).permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="qualification", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [("qualification", "0025_enrichment_settings_firmographics_runs")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
