from django.db import migrations

from fours.core.roles import Role, grant_permissions

EDIT = [
    "add_customer",
    "change_customer",
    "add_vehicle",
    "change_vehicle",
    "add_odometerreading",
    "add_ownership",
    "transfer_vehicle",
]
MANAGE = [*EDIT, "see_sensitive", "merge_customer", "assign_customer", "correct_odometer"]


def grant(apps, schema_editor):
    everyone = {role: "__view__" for role in Role}
    grant_permissions(apps, "customers", everyone)
    grant_permissions(
        apps,
        "customers",
        {
            Role.GROUP_MANAGER: [
                *MANAGE,
                "import_customer",
                "add_brand",
                "change_brand",
                "add_configuration",
            ],
            Role.GENERAL_MANAGER: [
                *MANAGE,
                "import_customer",
                "add_brand",
                "change_brand",
                "add_configuration",
            ],
            Role.SALES_MANAGER: MANAGE,
            Role.SERVICE_MANAGER: MANAGE,
            Role.SALES_CONSULTANT: [*EDIT, "see_sensitive"],
            Role.SERVICE_ADVISOR: [*EDIT, "see_sensitive"],
            Role.CRM_SPECIALIST: [*EDIT, "see_sensitive", "merge_customer"],
            Role.VEHICLE_CLERK: ["add_vehicle", "change_vehicle", "add_odometerreading"],
            Role.FINANCE_INSURANCE: ["change_vehicle", "see_sensitive"],
            Role.PARTS_SALES: ["add_customer", "change_customer"],
            Role.WARRANTY_CLERK: ["see_sensitive"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial"), ("core", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
