"""Roles (岗位) are Django Groups. Their names are the Chinese job titles of DOMAIN.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GROUP_MANAGER = "集团经理", _("集团经理")
    GENERAL_MANAGER = "总经理", _("总经理")
    SALES_MANAGER = "销售经理", _("销售经理")
    SALES_CONSULTANT = "销售顾问", _("销售顾问")
    VEHICLE_CLERK = "整车库管", _("整车库管")
    FINANCE_INSURANCE = "金融保险专员", _("金融保险专员")
    SERVICE_MANAGER = "服务经理", _("服务经理")
    SERVICE_ADVISOR = "服务顾问", _("服务顾问")
    FOREMAN = "车间主管", _("车间主管")
    TECHNICIAN = "机修工", _("机修工")
    QC_INSPECTOR = "质检员", _("质检员")
    WARRANTY_CLERK = "索赔员", _("索赔员")
    CASHIER = "结算员", _("结算员")
    PARTS_MANAGER = "配件经理", _("配件经理")
    PARTS_PLANNER = "配件计划员", _("配件计划员")
    STOREKEEPER = "库管员", _("库管员")
    PARTS_SALES = "配件销售员", _("配件销售员")
    CRM_SPECIALIST = "客服专员", _("客服专员")
    MARKETING = "市场专员", _("市场专员")
    FINANCE = "财务", _("财务")


# Short ASCII slugs used in demo usernames and URLs.
ROLE_SLUGS = {
    Role.GROUP_MANAGER: "group",
    Role.GENERAL_MANAGER: "gm",
    Role.SALES_MANAGER: "salesmgr",
    Role.SALES_CONSULTANT: "sales",
    Role.VEHICLE_CLERK: "vstock",
    Role.FINANCE_INSURANCE: "fi",
    Role.SERVICE_MANAGER: "servicemgr",
    Role.SERVICE_ADVISOR: "advisor",
    Role.FOREMAN: "foreman",
    Role.TECHNICIAN: "tech",
    Role.QC_INSPECTOR: "qc",
    Role.WARRANTY_CLERK: "warranty",
    Role.CASHIER: "cashier",
    Role.PARTS_MANAGER: "partsmgr",
    Role.PARTS_PLANNER: "planner",
    Role.STOREKEEPER: "storekeeper",
    Role.PARTS_SALES: "partssales",
    Role.CRM_SPECIALIST: "crm",
    Role.MARKETING: "marketing",
    Role.FINANCE: "finance",
}

MANAGERS = {Role.GROUP_MANAGER, Role.GENERAL_MANAGER}

# Department of each role, for the sidebar and the home page.
ROLE_DEPARTMENT = {
    Role.GROUP_MANAGER: "management",
    Role.GENERAL_MANAGER: "management",
    Role.SALES_MANAGER: "sales",
    Role.SALES_CONSULTANT: "sales",
    Role.VEHICLE_CLERK: "sales",
    Role.FINANCE_INSURANCE: "sales",
    Role.SERVICE_MANAGER: "service",
    Role.SERVICE_ADVISOR: "service",
    Role.FOREMAN: "service",
    Role.TECHNICIAN: "service",
    Role.QC_INSPECTOR: "service",
    Role.WARRANTY_CLERK: "service",
    Role.CASHIER: "service",
    Role.PARTS_MANAGER: "parts",
    Role.PARTS_PLANNER: "parts",
    Role.STOREKEEPER: "parts",
    Role.PARTS_SALES: "parts",
    Role.CRM_SPECIALIST: "crm",
    Role.MARKETING: "crm",
    Role.FINANCE: "management",
}


ALL_DEPARTMENTS = ["management", "sales", "service", "parts", "crm"]

# The departments whose figures each role's home page shows, in this order (after its own work).
ROLE_HOME = {
    Role.GROUP_MANAGER: ALL_DEPARTMENTS,
    Role.GENERAL_MANAGER: ALL_DEPARTMENTS,
    Role.SALES_MANAGER: ["sales", "crm"],
    Role.SALES_CONSULTANT: ["sales", "crm"],
    Role.VEHICLE_CLERK: ["sales"],
    Role.FINANCE_INSURANCE: ["sales", "crm"],
    Role.SERVICE_MANAGER: ["service", "crm", "parts"],
    Role.SERVICE_ADVISOR: ["service", "crm"],
    Role.FOREMAN: ["service"],
    Role.TECHNICIAN: ["service"],
    Role.QC_INSPECTOR: ["service"],
    Role.WARRANTY_CLERK: ["service"],
    Role.CASHIER: ["service"],
    Role.PARTS_MANAGER: ["parts", "service"],
    Role.PARTS_PLANNER: ["parts"],
    Role.STOREKEEPER: ["parts"],
    Role.PARTS_SALES: ["parts"],
    Role.CRM_SPECIALIST: ["crm"],
    Role.MARKETING: ["crm"],
    Role.FINANCE: ["management", "service", "parts"],
}


class LimitKind(models.TextChoices):
    DISCOUNT_PCT = "discount_pct", _("折扣上限（%）")
    WRITEOFF_AMOUNT = "writeoff_amount", _("报损审批金额上限（元）")
    PURCHASE_AMOUNT = "purchase_amount", _("采购计划审批金额上限（元）")
    PRICE_OVERRIDE_PCT = "price_override_pct", _("改价幅度上限（%）")
    PAYMENT_AMOUNT = "payment_amount", _("付款审批金额上限（元）")
    COMPENSATION_AMOUNT = "compensation_amount", _("投诉补偿审批金额上限（元）")
    CARE_GIFT_MONTHLY = "care_gift_monthly", _("每月关怀礼品额度（元）")


# Approval limits seeded per role (editable data afterwards, in the admin).
DEFAULT_LIMITS = {
    Role.GENERAL_MANAGER: {"discount_pct": 30, "writeoff_amount": 100000, "purchase_amount": 1000000},
    Role.GROUP_MANAGER: {"discount_pct": 30, "writeoff_amount": 100000, "purchase_amount": 5000000},
    Role.SALES_MANAGER: {"discount_pct": 8},
    Role.SALES_CONSULTANT: {"discount_pct": 2},
    Role.SERVICE_MANAGER: {"discount_pct": 20, "writeoff_amount": 5000},
    Role.SERVICE_ADVISOR: {"discount_pct": 5},
    Role.CASHIER: {"discount_pct": 0},
    Role.PARTS_MANAGER: {"discount_pct": 15, "writeoff_amount": 5000, "purchase_amount": 200000},
    Role.PARTS_PLANNER: {"purchase_amount": 20000},
    Role.PARTS_SALES: {"discount_pct": 5},
    Role.WARRANTY_CLERK: {"writeoff_amount": 2000},
}


DEFAULT_ACTIONS = {"add", "change", "delete", "view"}


def grant_permissions(apps, app_label: str, mapping: dict) -> None:
    """For data migrations: give roles permissions of one app.

    mapping: {role name: ["view_part", "add_part", ...] or "__all__" or "__view__"}
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label=app_label)
    for role, codenames in mapping.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        if codenames == "__all__":
            chosen = perms
        elif codenames == "__view__":
            chosen = perms.filter(codename__startswith="view_")
        else:
            chosen = perms.filter(codename__in=codenames)
            missing = set(codenames) - set(chosen.values_list("codename", flat=True))
            # a later migration may have removed a model an earlier grant names: its permissions are gone
            current = {m._meta.model_name for m in app_config.get_models()}
            missing = {
                c
                for c in missing
                if c.split("_", 1)[0] not in DEFAULT_ACTIONS or c.split("_", 1)[1] in current
            }
            if missing:
                raise ValueError(f"unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*chosen)
