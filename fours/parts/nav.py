from django.utils.translation import gettext_lazy as _

from fours.core.registry import NavItem

NAV = [
    NavItem(
        "parts",
        _("配件看板"),
        "parts:dashboard",
        perm="parts.view_stockbalance",
        icon="bi-speedometer2",
        order=10,
    ),
    NavItem("parts", _("配件档案"), "parts:part-list", perm="parts.view_part", icon="bi-box", order=20),
    NavItem(
        "parts",
        _("库存查询"),
        "parts:balance-list",
        perm="parts.view_stockbalance",
        icon="bi-stack",
        order=25,
    ),
    NavItem(
        "parts",
        _("库存流水"),
        "parts:move-list",
        perm="parts.view_stockmove",
        icon="bi-journal-text",
        order=27,
    ),
    NavItem(
        "parts", _("柜台零售"), "parts:sale-create", perm="parts.add_sale", icon="bi-cart-plus", order=30
    ),
    NavItem(
        "parts", _("批发销售"), "parts:wholesale-create", perm="parts.add_sale", icon="bi-truck", order=31
    ),
    NavItem("parts", _("销售单"), "parts:sale-list", perm="parts.view_sale", icon="bi-receipt", order=32),
    NavItem(
        "parts",
        _("待出库"),
        "parts:issue-queue",
        perm="parts.issue_sale",
        icon="bi-box-arrow-up",
        order=33,
    ),
    NavItem(
        "parts",
        _("批发客户"),
        "parts:tradecustomer-list",
        perm="parts.view_tradecustomer",
        icon="bi-people",
        order=34,
    ),
    NavItem(
        "parts",
        _("缺件需求"),
        "parts:demand-list",
        perm="parts.view_purchasedemand",
        icon="bi-exclamation-circle",
        order=40,
    ),
    NavItem(
        "parts",
        _("采购计划"),
        "parts:plan-list",
        perm="parts.view_purchaseplan",
        icon="bi-clipboard-check",
        order=41,
    ),
    NavItem(
        "parts", _("采购订单"), "parts:po-list", perm="parts.view_purchaseorder", icon="bi-cart", order=42
    ),
    NavItem(
        "parts",
        _("入库单"),
        "parts:receipt-list",
        perm="parts.view_receipt",
        icon="bi-box-arrow-in-down",
        order=43,
    ),
    NavItem(
        "parts",
        _("差损单"),
        "parts:discrepancy-list",
        perm="parts.view_discrepancy",
        icon="bi-exclamation-triangle",
        order=44,
    ),
    NavItem(
        "parts", _("供应商"), "parts:supplier-list", perm="parts.view_supplier", icon="bi-building", order=46
    ),
    NavItem(
        "parts",
        _("调拨单"),
        "parts:transfer-list",
        perm="parts.view_transfer",
        icon="bi-arrow-left-right",
        order=50,
    ),
    NavItem(
        "parts",
        _("退货台账"),
        "parts:return-list",
        perm="parts.view_returnorder",
        icon="bi-arrow-return-left",
        order=51,
    ),
    NavItem(
        "parts",
        _("盘点"),
        "parts:stocktake-list",
        perm="parts.view_stocktake",
        icon="bi-clipboard-data",
        order=60,
    ),
    NavItem("parts", _("报损"), "parts:writeoff-list", perm="parts.view_writeoff", icon="bi-trash", order=61),
    NavItem("parts", _("仓库与库位"), "parts:bin-list", perm="parts.view_bin", icon="bi-grid-3x3", order=70),
    NavItem(
        "parts",
        _("价格文件导入"),
        "parts:price-import",
        perm="parts.import_prices",
        icon="bi-upload",
        order=80,
    ),
    NavItem(
        "management",
        _("集团配件对比"),
        "parts:group-view",
        perm="parts.view_stockbalance",
        icon="bi-bar-chart",
        order=50,
    ),
]
