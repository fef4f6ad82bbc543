from django.db import migrations

from fours.core.roles import Role, grant_permissions

CARE = [f"{v}_{m}" for m in ("customerevent", "eventinvite") for v in ("add", "change", "view")]


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "crm",
        {
            Role.GENERAL_MANAGER: "__all__",
            Role.GROUP_MANAGER: "__view__",
            Role.CRM_SPECIALIST: CARE + ["view_festival", "add_festival", "change_festival"],
            Role.MARKETING: CARE + ["view_festival", "add_festival", "change_festival"],
            Role.SERVICE_MANAGER: [
                "view_customerevent",
                "view_eventinvite",
                "view_festival",
                "change_festival",
            ],
            Role.SALES_MANAGER: ["view_customerevent", "view_eventinvite"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_events_festivals"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
