from decimal import Decimal

from django.db import migrations

from fours.core.roles import LimitKind, Role, grant_permissions

# 付款审批金额上限: who approves a supplier payment request (付款通知书) up to what amount
PAYMENT_LIMITS = {
    Role.FINANCE: Decimal("50000"),
    Role.GENERAL_MANAGER: Decimal("1000000"),
    Role.GROUP_MANAGER: Decimal("5000000"),
}

LOOK_UP = ["view_party", "view_openitem", "view_payment", "view_allocation"]


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "finance",
        {
            Role.FINANCE: "__all__",
            Role.GENERAL_MANAGER: "__view__",
            Role.GROUP_MANAGER: "__view__",
        },
    )
    grant_permissions(
        apps,
        "finance",
        {
            Role.CASHIER: LOOK_UP
            + ["add_payment", "view_paymentline", "refund_payment", "add_handover", "view_handover"]
            + ["view_dayclose", "add_invoice", "view_invoice"],
            Role.GENERAL_MANAGER: ["approve_paymentrequest"],
            Role.GROUP_MANAGER: ["approve_paymentrequest"],
            Role.PARTS_MANAGER: ["view_party", "view_openitem", "add_paymentrequest", "view_paymentrequest"],
            Role.PARTS_SALES: ["view_party", "view_openitem"],
            Role.STOREKEEPER: ["view_openitem"],
            Role.SERVICE_ADVISOR: ["view_party", "view_openitem"],
            Role.SERVICE_MANAGER: LOOK_UP,
            Role.WARRANTY_CLERK: ["view_party", "view_openitem"],
        },
    )
    Group = apps.get_model("auth", "Group")
    RoleLimit = apps.get_model("core", "RoleLimit")
    for role, value in PAYMENT_LIMITS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        RoleLimit.objects.get_or_create(role=group, kind=LimitKind.PAYMENT_AMOUNT, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_initial"),
        ("core", "0004_finance_kinds"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
