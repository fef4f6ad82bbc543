from django.db import migrations

from fours.core.roles import Role, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "finance",
        {
            # the vehicle clerk asks finance to pay the manufacturer (汇款申请) and the floor-plan bank
            Role.VEHICLE_CLERK: ["add_paymentrequest", "view_paymentrequest", "view_openitem", "view_party"],
            Role.SALES_MANAGER: ["add_paymentrequest", "view_paymentrequest", "view_openitem", "view_party"],
            Role.SALES_CONSULTANT: ["view_openitem"],
            Role.FINANCE_INSURANCE: ["view_openitem", "view_party"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0008_party_partner"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
