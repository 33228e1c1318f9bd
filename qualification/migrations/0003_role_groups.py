from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "accounts.view_account", "accounts.view_contact", "accounts.view_buyinggrouprole",
    "qualification.view_lead", "qualification.view_activity",
    "qualification.view_stagetransition", "qualification.view_segment",
    "qualification.view_reasoncode", "qualification.view_framework",
    "qualification.view_frameworkitem", "qualification.view_checklist",
    "qualification.view_checklistanswer", "qualification.view_discoverynote",
]
BUYING_GROUP = [
    "accounts.add_buyinggrouprole", "accounts.change_buyinggrouprole",
    "accounts.delete_buyinggrouprole", "accounts.add_contact", "accounts.change_contact",
]
DISCOVERY = [
    "qualification.add_checklist", "qualification.add_checklistanswer",
    "qualification.change_checklistanswer", "qualification.add_discoverynote",
]
# The permissions each role needs. The transition table names the lead permissions it checks.
ROLES = {
    "SDR": VIEW_ALL + BUYING_GROUP + DISCOVERY + [
        "qualification.change_lead", "qualification.add_activity",
        "qualification.accept_mql", "qualification.reject_mql", "qualification.promote_sql",
    ],
    "AE": VIEW_ALL + BUYING_GROUP + DISCOVERY + [
        "accounts.change_account", "qualification.change_lead", "qualification.add_activity",
        "qualification.promote_sql", "qualification.promote_opportunity",
    ],
    "Manager": VIEW_ALL + [
        "qualification.change_lead", "qualification.mark_mql", "qualification.reopen_lead",
        "qualification.act_on_any_lead",
    ],
    "RevOps": VIEW_ALL + [
        "accounts.change_account", "qualification.change_lead",
        "qualification.add_segment", "qualification.change_segment",
        "qualification.add_reasoncode", "qualification.change_reasoncode",
        "qualification.add_framework", "qualification.change_framework",
        "qualification.add_frameworkitem", "qualification.change_frameworkitem",
        "qualification.delete_frameworkitem",
    ],
    "Marketing": VIEW_ALL + [
        "accounts.add_account", "accounts.add_contact", "qualification.add_lead",
        "qualification.add_activity", "qualification.mark_mql",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_label in ("accounts", "qualification"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0002_seed_reason_codes_and_frameworks"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
