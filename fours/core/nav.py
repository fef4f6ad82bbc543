from django.utils.translation import gettext_lazy as _

from .registry import NavItem

NAV = [
    NavItem("management", _("门店信息"), "store-current", icon="bi-shop", order=80),
    NavItem(
        "management",
        _("审计日志"),
        "audit-list",
        perm="core.view_auditevent",
        icon="bi-journal-text",
        order=90,
    ),
    NavItem("management", _("系统管理"), "admin:index", perm="auth.change_user", icon="bi-gear", order=99),
]
