from django.db import migrations

from fours.core.roles import Role, grant_permissions

SHOWROOM = ["visit", "lead", "followup", "testdrive"]


def _perms(models, verbs=("add", "change", "view")):
    return [f"{v}_{m}" for m in models for v in verbs]


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "sales",
        {
            Role.SALES_MANAGER: "__all__",
            Role.GENERAL_MANAGER: "__all__",
            Role.GROUP_MANAGER: "__view__",
            Role.FINANCE: "__view__",
        },
    )
    grant_permissions(
        apps,
        "sales",
        {
            Role.GROUP_MANAGER: ["see_cost"],
            Role.FINANCE: ["see_cost"],
            Role.SALES_CONSULTANT: _perms(SHOWROOM + ["vehicleorder", "orderaccessory"])
            + ["view_stockvehicle", "view_product", "view_loanapplication", "view_policy", "view_outlet"]
            + ["view_graderule", "view_orderplan", "allocate_vehicle", "deliver_order"],
            Role.VEHICLE_CLERK: _perms(
                ["stockvehicle", "custody", "inspection", "orderplan", "orderplanline", "vehicletransfer"]
                + ["vehiclecount", "outlet"]
            )
            + ["manage_custody", "see_cost", "allocate_vehicle", "view_vehicleorder", "view_testdrive"]
            + ["deliver_order"],
            Role.FINANCE_INSURANCE: _perms(["loanapplication", "loandocument", "policy", "product"])
            + ["view_vehicleorder", "view_lead", "view_stockvehicle"],
            Role.MARKETING: [
                "view_visit",
                "view_lead",
                "view_followup",
                "view_testdrive",
                "view_vehicleorder",
            ],
            Role.CASHIER: ["view_vehicleorder"],
            Role.CRM_SPECIALIST: ["view_vehicleorder", "view_policy"],
        },
    )
    grant_permissions(
        apps,
        "reports",
        {
            Role.GENERAL_MANAGER: "__all__",
            Role.GROUP_MANAGER: "__all__",
            Role.SALES_MANAGER: [
                "view_target",
                "add_target",
                "change_target",
                "set_target",
                "view_dailysummary",
            ],
            Role.SERVICE_MANAGER: [
                "view_target",
                "add_target",
                "change_target",
                "set_target",
                "view_dailysummary",
            ],
            Role.PARTS_MANAGER: [
                "view_target",
                "add_target",
                "change_target",
                "set_target",
                "view_dailysummary",
            ],
            Role.SALES_CONSULTANT: ["view_target"],
            Role.FINANCE_INSURANCE: ["view_target"],
            Role.FINANCE: ["view_target", "view_dailysummary"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
        ("reports", "0001_initial"),
        ("core", "0005_sales_kinds"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
