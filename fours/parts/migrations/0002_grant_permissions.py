from django.db import migrations

from fours.core.roles import Role, grant_permissions

VIEW_STOCK = [
    "view_part",
    "view_stockbalance",
    "view_stockmove",
    "view_partsetting",
    "view_bin",
    "view_warehouse",
    "view_partbin",
    "view_purchasedemand",
]


def grant(apps, schema_editor):
    def crud(*models, view=True):
        out = []
        for m in models:
            out += [f"add_{m}", f"change_{m}"] + ([f"view_{m}"] if view else [])
        return out

    grant_permissions(
        apps,
        "parts",
        {
            Role.PARTS_MANAGER: "__all__",
            Role.STOREKEEPER: "__view__",
            Role.PARTS_PLANNER: "__view__",
            Role.PARTS_SALES: "__view__",
            Role.FINANCE: "__view__",
            Role.GENERAL_MANAGER: "__view__",
            Role.GROUP_MANAGER: "__view__",
            Role.SERVICE_MANAGER: "__view__",
            Role.WARRANTY_CLERK: "__view__",
        },
    )
    grant_permissions(
        apps,
        "parts",
        {
            Role.STOREKEEPER: crud(
                "receipt",
                "receiptline",
                "discrepancy",
                "discrepancyline",
                "stocktake",
                "countline",
                "transfer",
                "transferline",
                "returnorder",
                "returnline",
                "writeoff",
                "writeoffline",
                "bin",
                "warehouse",
                "partbin",
                "partsetting",
                "stockreservation",
                "purchasedemand",
            ),
            Role.PARTS_PLANNER: crud(
                "purchaseplan",
                "planline",
                "supplierquote",
                "purchaseorder",
                "poline",
                "supplier",
                "part",
                "partsetting",
                "purchasedemand",
                "partpricechange",
            )
            + ["import_prices", "change_discrepancy"],
            Role.PARTS_SALES: crud(
                "sale",
                "saleline",
                "tradecustomer",
                "customerpayment",
                "receivable",
                "returnorder",
                "returnline",
                "purchasedemand",
                "fillraterecord",
            ),
            Role.SERVICE_MANAGER: ["approve_writeoff"],
            Role.WARRANTY_CLERK: ["approve_writeoff"],
            Role.GENERAL_MANAGER: ["approve_writeoff", "approve_purchaseplan", "approve_stocktake"],
            Role.FINANCE: ["change_payable", "change_receivable", "add_customerpayment", "approve_stocktake"],
            Role.SERVICE_ADVISOR: VIEW_STOCK + ["add_purchasedemand"],
            Role.TECHNICIAN: VIEW_STOCK,
            Role.FOREMAN: VIEW_STOCK,
            Role.CASHIER: ["view_part", "view_stockbalance", "view_sale", "view_receivable"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0001_initial"),
        ("core", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
