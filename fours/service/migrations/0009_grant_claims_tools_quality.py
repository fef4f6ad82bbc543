from django.db import migrations

from fours.core.roles import Role, grant_permissions


def _crud(*models):
    return [f"{v}_{m}" for m in models for v in ("add", "change", "view")]


CLAIMS = ("warrantyclaim", "claimline", "oldparttag", "returnshipment")
ACCIDENT = ("accidentjob", "assessmentitem", "insurercontact")
TOOLS = ("tool", "toolloan", "toolcheck", "equipment", "equipmentcard")
QUALITY = ("stageinspection", "comeback", "partshortage", "attendance", "guaranteeperiod")


def grant(apps, schema_editor):
    grant_permissions(
        apps,
        "service",
        {
            Role.SERVICE_MANAGER: "__all__",
            Role.WARRANTY_CLERK: _crud(*CLAIMS) + ["decide_claim", "sign_warranty", "view_accidentjob"],
            Role.SERVICE_ADVISOR: _crud(*ACCIDENT)
            + ["view_warrantyclaim", "view_partshortage", "add_comeback"]
            + ["view_comeback"],
            Role.FOREMAN: _crud(*TOOLS)
            + _crud("attendance", "stageinspection", "comeback")
            + ["view_partshortage", "view_warrantyclaim"],
            Role.TECHNICIAN: ["view_tool", "view_toolloan", "view_equipment"],
            Role.QC_INSPECTOR: _crud("stageinspection", "comeback") + ["view_guaranteeperiod"],
            Role.STOREKEEPER: _crud("partshortage", "oldparttag", "returnshipment") + ["view_warrantyclaim"],
            Role.PARTS_PLANNER: _crud("partshortage"),
            Role.PARTS_MANAGER: ["view_partshortage", "change_partshortage"],
            Role.FINANCE: ["view_warrantyclaim", "view_accidentjob", "view_toolloan"],
            Role.GENERAL_MANAGER: ["view_warrantyclaim", "view_accidentjob"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0008_claims_tools_quality"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
