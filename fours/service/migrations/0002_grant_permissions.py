from django.db import migrations

from fours.core.roles import Role, grant_permissions

CATALOG_VIEW = [
    "view_labouroperation",
    "view_labourtime",
    "view_labourrate",
    "view_maintenancepackage",
    "view_packagelabour",
    "view_packagepart",
    "view_faultcode",
    "view_bay",
    "view_team",
]
RO_VIEW = ["view_repairorder", "view_labourline", "view_partline", "view_appointment", "view_timelog"]


# The service payment and receivable models (and their permissions) moved to finance (0005, 0006); they
# are not granted here, so that re-running this grant on the current models (tests re-seeding the roles
# after a flush) finds every permission it names.


def grant(apps, schema_editor):
    def crud(*models):
        out = []
        for m in models:
            out += [f"add_{m}", f"change_{m}", f"view_{m}"]
        return out

    grant_permissions(
        apps,
        "service",
        {
            Role.SERVICE_MANAGER: "__all__",
            Role.GENERAL_MANAGER: "__view__",
            Role.GROUP_MANAGER: "__view__",
            Role.FINANCE: "__view__",
        },
    )
    grant_permissions(
        apps,
        "service",
        {
            Role.SERVICE_ADVISOR: CATALOG_VIEW
            + RO_VIEW
            + crud(
                "appointment",
                "repairorder",
                "labourline",
                "partline",
                "customerapproval",
                "delay",
                "discountrequest",
                "photo",
            )
            + [
                "deliver_repairorder",
                "view_followuptask",
                "view_settlement",
                "view_advisorcapacity",
            ]
            + ["view_service_dashboard", "view_qcinspection"],
            Role.FOREMAN: CATALOG_VIEW
            + RO_VIEW
            + ["dispatch_repairorder", "view_service_dashboard", "view_qcinspection", "view_rework"]
            + crud("bay", "team"),
            Role.TECHNICIAN: CATALOG_VIEW + RO_VIEW + ["work_repairorder", "add_photo"],
            Role.QC_INSPECTOR: CATALOG_VIEW
            + RO_VIEW
            + ["qc_repairorder", "add_qcinspection", "view_qcinspection", "view_rework"],
            Role.CASHIER: RO_VIEW
            + [
                "settle_repairorder",
                "view_settlement",
            ]
            + ["deliver_repairorder"],
            Role.STOREKEEPER: RO_VIEW
            + ["issue_repairorder", "view_labouroperation", "view_maintenancepackage"],
            Role.WARRANTY_CLERK: CATALOG_VIEW + RO_VIEW + ["change_partline", "view_settlement"],
            Role.CRM_SPECIALIST: [
                "view_repairorder",
                "view_appointment",
                "view_followuptask",
                "change_followuptask",
            ]
            + ["add_appointment", "change_appointment"],
            Role.GENERAL_MANAGER: ["reverse_settlement", "view_service_dashboard"],
            Role.FINANCE: ["reverse_settlement"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0001_initial"),
        ("core", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
