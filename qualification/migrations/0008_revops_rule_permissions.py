from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "RevOps": [
        "view_icpsettings", "change_icpsettings",
        "view_icprule", "add_icprule", "change_icprule", "delete_icprule",
        "view_scoringrule", "add_scoringrule", "change_scoringrule", "delete_scoringrule",
        "view_intakesource", "change_intakesource",
        "view_importjob", "add_importjob", "view_importrow",
    ],
    "Marketing": ["view_importjob", "add_importjob", "view_importrow"],
    "Manager": ["view_icprule", "view_scoringrule", "view_importjob"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("qualification")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.get(name=name)
        group.permissions.add(
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
    dependencies = [
        ("qualification", "0007_import_report_key"),
        ("qualification", "0003_role_groups"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
