from decimal import Decimal

from django.db import migrations

from fours.core.roles import LimitKind, Role, grant_permissions

WORK = ["call", "complaint", "surveyresponse", "message", "campaignmember", "caregift"]

# 投诉补偿: who approves a compensation up to what amount; 关怀礼品: the GM's monthly quota
LIMITS = {
    (Role.SERVICE_MANAGER, LimitKind.COMPENSATION_AMOUNT): Decimal("2000"),
    (Role.SALES_MANAGER, LimitKind.COMPENSATION_AMOUNT): Decimal("2000"),
    (Role.GENERAL_MANAGER, LimitKind.COMPENSATION_AMOUNT): Decimal("50000"),
    (Role.GENERAL_MANAGER, LimitKind.CARE_GIFT_MONTHLY): Decimal("5000"),
}


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "crm",
        {
            Role.GENERAL_MANAGER: "__all__",
            Role.GROUP_MANAGER: "__view__",
            Role.CRM_SPECIALIST: [f"{v}_{m}" for m in WORK for v in ("add", "change", "view")]
            + ["view_carerule", "view_callscript", "view_survey", "view_campaign"],
            Role.MARKETING: [
                f"{v}_{m}"
                for m in ("campaign", "campaignmember", "message")
                for v in ("add", "change", "view")
            ]
            + ["view_surveyresponse", "view_complaint"],
            Role.SERVICE_MANAGER: ["view_call", "view_complaint", "change_complaint", "approve_complaint"]
            + [
                "view_surveyresponse",
                "view_carerule",
                "change_carerule",
                "view_callscript",
                "change_callscript",
            ],
            Role.SALES_MANAGER: ["view_call", "view_complaint", "change_complaint", "approve_complaint"]
            + ["view_surveyresponse", "view_campaign"],
            Role.SERVICE_ADVISOR: [
                "view_complaint",
                "change_complaint",
                "view_surveyresponse",
                "add_message",
            ],
            Role.SALES_CONSULTANT: ["view_complaint", "view_surveyresponse"],
        },
    )
    Group = apps.get_model("auth", "Group")
    RoleLimit = apps.get_model("core", "RoleLimit")
    for (role, kind), value in LIMITS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        RoleLimit.objects.get_or_create(role=group, kind=kind, defaults={"value": value})


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("core", "0007_care_kinds"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
