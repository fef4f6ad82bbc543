"""Vehicle stock (整车库存) by VIN: the monthly order plan to the manufacturer (要货计划), the vehicles
from dispatch to delivery with their funding (自有资金 / 库存融资), the custody of certificates and keys
(合格证、钥匙), arrival and PDI inspections, transfers between stores (调车), second-tier outlets (二网)
and the counts (每日盘点 / 月度对账)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.fields import MONEY, DocumentMixin, StoreRecord, StoreSetting, now, optional_fk, user_fk

from ..choices import (
    CountKind,
    CustodyAction,
    CustodyItem,
    Funding,
    InspectionKind,
    PlanStatus,
    TransferStatus,
    VehicleStatus,
)


class Outlet(StoreSetting):
    """二级网点 (二网): a sub-dealer the store supplies, with its contact and its monthly target."""

    name = models.CharField(_("网点名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    monthly_target = models.PositiveIntegerField(_("月目标（台）"), default=0)
    last_visit_on = models.DateField(_("最近走访"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("二级网点")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrderPlan(DocumentMixin):
    """要货计划: what the store asks the manufacturer for in a month, by configuration and colour."""

    detail_view = "sales:plan_detail"

    month = models.DateField(_("计划月份"))
    brand = models.ForeignKey("customers.Brand", on_delete=models.PROTECT, verbose_name=_("品牌"))
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("要货计划")


class OrderPlanLine(models.Model):
    plan = models.ForeignKey(
        OrderPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("要货计划")
    )
    configuration = models.ForeignKey(
        "customers.Configuration", on_delete=models.PROTECT, verbose_name=_("配置")
    )
    colour = models.CharField(_("颜色"), max_length=30, blank=True)
    qty = models.PositiveIntegerField(_("申请台数"))
    confirmed_qty = models.PositiveIntegerField(_("确认台数"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("要货明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.configuration} {self.colour} × {self.qty}"


class StockVehicle(DocumentMixin):
    """One new vehicle by VIN (商品车), from the manufacturer's dispatch to its delivery. ``number`` is the
    store's stock number (库存编号). Its purchase is a payable to the manufacturer (own funds) or to the
    floor-plan bank, posted through finance; the floor plan is paid off when it is sold."""

    detail_view = "sales:vehicle_detail"

    vin = models.CharField(_("车架号（VIN）"), max_length=17)
    engine_no = models.CharField(_("发动机号"), max_length=30, blank=True)
    configuration = models.ForeignKey(
        "customers.Configuration", on_delete=models.PROTECT, related_name="+", verbose_name=_("配置")
    )
    colour = models.CharField(_("车身颜色"), max_length=30)
    interior = models.CharField(_("内饰"), max_length=30, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=VehicleStatus.choices,
        default=VehicleStatus.IN_TRANSIT,
        db_index=True,
    )
    location = models.CharField(_("库位"), max_length=50, blank=True)
    plan_line = optional_fk(OrderPlanLine, _("要货计划明细"), on_delete=models.SET_NULL)
    dispatched_on = models.DateField(_("厂家发车日期"), null=True, blank=True)
    arrived_on = models.DateField(_("入库日期"), null=True, blank=True, db_index=True)
    # purchase and funding
    purchase_price = models.DecimalField(_("采购价（含税）"), default=0, **MONEY)
    purchase_net = models.DecimalField(_("采购价（不含税）"), default=0, **MONEY)
    funding = models.CharField(_("资金来源"), max_length=10, choices=Funding.choices, default=Funding.OWN)
    floor_plan_bank = optional_fk("finance.Party", _("融资银行"))
    floor_plan_amount = models.DecimalField(_("融资金额"), default=0, **MONEY)
    floor_plan_due = models.DateField(_("融资到期日"), null=True, blank=True)
    floor_plan_paid_on = models.DateField(_("融资还款日期"), null=True, blank=True)
    # papers and keys held in custody (合格证、钥匙)
    certificate_no = models.CharField(_("合格证编号"), max_length=40, blank=True)
    certificate_at = models.CharField(
        _("合格证位置"), max_length=12, choices=CustodyAction.choices, blank=True
    )
    key_count = models.PositiveSmallIntegerField(_("钥匙数量"), default=2)
    keys_out_to = models.CharField(_("钥匙领用人"), max_length=50, blank=True)
    keys_out_at = models.DateTimeField(_("钥匙领用时间"), null=True, blank=True)
    pdi_passed_at = models.DateTimeField(_("PDI通过"), null=True, blank=True)
    outlet = optional_fk(Outlet, _("二级网点"), related_name="vehicles")
    clearance_plan = models.CharField(_("清库方案"), max_length=300, blank=True)
    clearance_price = models.DecimalField(_("清库限价"), null=True, blank=True, **MONEY)
    delivered_on = models.DateField(_("交车日期"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("整车库存")
        constraints = [
            models.UniqueConstraint(
                fields=["vin"],
                condition=~Q(status__in=["transferred", "returned"]),
                name="sales_vehicle_vin_live",
            ),
        ]
        indexes = [models.Index(fields=["store", "status", "arrived_on"], name="sales_vehicle_age")]
        permissions = [
            ("see_cost", _("查看整车成本与毛利")),
            ("manage_custody", _("保管合格证与钥匙")),
        ]

    def __str__(self) -> str:
        return f"{self.vin}"


class Custody(StoreRecord):
    """保管记录 of a certificate or the keys: received, issued against signature, returned, handed over."""

    vehicle = models.ForeignKey(
        StockVehicle, on_delete=models.CASCADE, related_name="custody", verbose_name=_("车辆")
    )
    item = models.CharField(_("物品"), max_length=12, choices=CustodyItem.choices)
    action = models.CharField(_("动作"), max_length=12, choices=CustodyAction.choices)
    person = models.CharField(_("领用/接收人"), max_length=50, blank=True)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    signature = models.TextField(_("签名"), blank=True)
    at = models.DateTimeField(_("时间"), default=now)
    actor = user_fk(_("经办人"))

    class Meta:
        verbose_name = verbose_name_plural = _("合格证与钥匙保管")
        ordering = ["-at", "-id"]


class Inspection(StoreRecord):
    """到车验收 / PDI: a checklist (item → ok or the defect), passed or not, the defects claimed from the
    manufacturer and the date they must be fixed by (two working days, seed 003)."""

    vehicle = models.ForeignKey(
        StockVehicle, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("车辆")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=InspectionKind.choices)
    checklist = models.JSONField(_("检查项目"), default=dict)
    passed = models.BooleanField(_("合格"))
    defects = models.CharField(_("问题描述"), max_length=500, blank=True)
    fix_by = models.DateField(_("整改期限"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("里程"), default=0)
    inspector = user_fk(_("检查人"))
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("验车/PDI记录")
        ordering = ["-at", "-id"]


class VehicleTransfer(DocumentMixin):
    """调车单: a vehicle sent to another store of the group; the vehicle moves when that store receives it."""

    detail_view = "sales:transfer_detail"

    vehicle = models.ForeignKey(
        StockVehicle, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("车辆")
    )
    to_store = models.ForeignKey(
        "core.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("调入门店")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.SENT
    )
    price = models.DecimalField(_("调拨价"), default=0, **MONEY)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = user_fk(_("接收人"))
    received_vehicle = optional_fk(StockVehicle, _("调入车辆"))

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("调车单")


class VehicleCount(DocumentMixin):
    """每日盘点 / 月度对账: the vehicles found against the book, what is missing and what is extra."""

    detail_view = "sales:count_detail"

    kind = models.CharField(_("类型"), max_length=8, choices=CountKind.choices, default=CountKind.DAILY)
    counted_on = models.DateField(_("盘点日期"))
    book_count = models.PositiveIntegerField(_("账面台数"), default=0)
    found_count = models.PositiveIntegerField(_("实盘台数"), default=0)
    missing = models.JSONField(_("盘亏VIN"), default=list)
    extra = models.JSONField(_("盘盈VIN"), default=list)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("整车盘点")
