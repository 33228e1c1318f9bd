from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_reviewsession", "view_reviewitem", "view_rulechangeproposal"]
# Managers run the session; everyone at the table may propose a change; RevOps applies them.
GRANTS = {
    "Manager": VIEW + ["run_review", "add_rulechangeproposal"],
    "RevOps": VIEW + ["apply_proposal", "add_rulechangeproposal"],
    "SDR": VIEW + ["add_rulechangeproposal"],
    "Marketing": VIEW + ["add_rulechangeproposal"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("review")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="review", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="review", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("qualification", "0003_role_groups"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
