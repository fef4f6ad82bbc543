from django.utils.translation import gettext_lazy as _

from fours.core.registry import NavItem

NAV = [
    NavItem(
        "crm",
        _("客户档案"),
        "customers:customer-list",
        perm="customers.view_customer",
        icon="bi-people",
        order=10,
    ),
    NavItem(
        "crm",
        _("车辆档案"),
        "customers:vehicle-list",
        perm="customers.view_vehicle",
        icon="bi-car-front",
        order=20,
    ),
    NavItem(
        "crm",
        _("客户分配"),
        "customers:customer-assign",
        perm="customers.assign_customer",
        icon="bi-person-gear",
        order=30,
    ),
    NavItem(
        "crm",
        _("车型库"),
        "customers:catalogue",
        perm="customers.view_configuration",
        icon="bi-collection",
        order=60,
    ),
    NavItem(
        "crm",
        _("导入"),
        "customers:import-list",
        perm="customers.import_customer",
        icon="bi-upload",
        order=70,
    ),
    NavItem(
        "service",
        _("车辆档案"),
        "customers:vehicle-list",
        perm="customers.view_vehicle",
        icon="bi-car-front",
        order=90,
    ),
]
