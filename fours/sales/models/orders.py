"""Quotes, orders and contracts (算价单 / 车辆订购单) with their accessories (精品), and the delivery
(交车). An order is a quote until the consultant sends it; the sales manager authorises every order
(and a discount above the consultant's limit); its receivable is posted in finance at authorisation,
the deposit and the balance are paid at the cashier desk, a loan replaces part of the customer's share
by the bank's; the vehicle leaves only when finance shows it paid."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.fields import MONEY, PCT, QTY, DocumentMixin, StoreRecord, now, optional_fk, user_fk

from ..choices import OrderStatus, PayPlan


class VehicleOrder(DocumentMixin):
    detail_view = "sales:order_detail"

    lead = optional_fk("sales.Lead", _("潜客"), related_name="orders")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="vehicle_orders", verbose_name=_("客户")
    )
    consultant = user_fk(_("销售顾问"), related_name="sales_orders")
    status = models.CharField(
        _("状态"), max_length=18, choices=OrderStatus.choices, default=OrderStatus.QUOTE
    )
    configuration = models.ForeignKey(
        "customers.Configuration", on_delete=models.PROTECT, related_name="+", verbose_name=_("配置")
    )
    colour = models.CharField(_("颜色"), max_length=30)
    outlet = optional_fk("sales.Outlet", _("二级网点"), related_name="orders")
    pay_plan = models.CharField(_("付款方式"), max_length=5, choices=PayPlan.choices, default=PayPlan.CASH)
    # price (算价): every figure tax-inclusive, as quoted to the customer
    list_price = models.DecimalField(_("指导价"), default=0, **MONEY)
    discount = models.DecimalField(_("优惠金额"), default=0, **MONEY)
    discount_reason = models.CharField(_("优惠原因"), max_length=200, blank=True)
    gifts = models.CharField(_("赠送内容"), max_length=300, blank=True)
    gift_value = models.DecimalField(_("赠送价值（成本）"), default=0, **MONEY)
    accessories_amount = models.DecimalField(_("精品金额"), default=0, **MONEY)
    registration_fee = models.DecimalField(_("上牌服务费"), default=0, **MONEY)
    other_fees = models.DecimalField(_("其他费用"), default=0, **MONEY)
    other_fees_note = models.CharField(_("其他费用说明"), max_length=100, blank=True)
    trade_in_vehicle = models.CharField(_("置换车辆"), max_length=100, blank=True)
    trade_in_value = models.DecimalField(_("置换作价"), default=0, **MONEY)
    total = models.DecimalField(_("合同总价"), default=0, **MONEY)
    deposit = models.DecimalField(_("定金"), default=0, **MONEY)
    loan_amount = models.DecimalField(_("贷款金额"), default=0, **MONEY)
    expected_delivery = models.DateField(_("预计交车日期"), null=True, blank=True)
    # approval (优惠审批) and authorisation (销售经理授权)
    discount_pct = models.DecimalField(_("优惠比例（%）"), default=0, **PCT)
    needs_approval = models.BooleanField(_("需审批优惠"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    authorised_by = user_fk(_("审批人"))
    authorised_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approval_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    ordered_at = models.DateTimeField(_("下定时间"), null=True, blank=True)
    contract_signed_at = models.DateTimeField(_("合同签订"), null=True, blank=True)
    # the vehicle (配车): one order, one VIN
    vehicle = optional_fk(
        "sales.StockVehicle",
        _("配车VIN"),
        field=models.OneToOneField,
        related_name="order",
        on_delete=models.PROTECT,
    )
    allocated_at = models.DateTimeField(_("配车时间"), null=True, blank=True)
    fitting_order = optional_fk("service.RepairOrder", _("精品加装工单"))
    # delivery (交车)
    delivery_checklist = models.JSONField(_("交车检查"), default=dict, blank=True)
    delivered_at = models.DateTimeField(_("交车时间"), null=True, blank=True)
    delivered_by = user_fk(_("交车人"))
    archive_vehicle = optional_fk("customers.Vehicle", _("档案车辆"), related_name="+")
    # registration (上牌), after delivery: the plate the vehicle office issued and its date
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    registered_on = models.DateField(_("上牌日期"), null=True, blank=True)
    registered_by = user_fk(_("上牌登记人"))
    # cancellation (退订)
    cancel_reason = models.CharField(_("退订原因"), max_length=300, blank=True)
    cancel_refund = models.DecimalField(_("退还金额"), default=0, **MONEY)
    cancelled_at = models.DateTimeField(_("退订时间"), null=True, blank=True)
    # gross profit (单车毛利), fixed at delivery
    vehicle_cost = models.DecimalField(_("车辆成本"), default=0, **MONEY)
    accessories_cost = models.DecimalField(_("精品成本"), default=0, **MONEY)
    commission_income = models.DecimalField(_("金融保险佣金"), default=0, **MONEY)
    gross_profit = models.DecimalField(_("单车毛利"), default=0, **MONEY)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("车辆订单")
        indexes = [
            models.Index(fields=["store", "status", "created_at"], name="sales_order_status"),
            models.Index(fields=["store", "delivered_at"], name="sales_order_delivered"),
            models.Index(fields=["consultant", "status"], name="sales_order_consultant"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(discount__gte=0), name="sales_order_discount_nonneg"),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="sales_order_deposit_nonneg"),
        ]
        permissions = [
            ("authorise_order", _("审批车辆订单")),
            ("deliver_order", _("交车")),
            ("allocate_vehicle", _("配车")),
            ("register_order", _("上牌登记")),
        ]


class OrderAccessory(StoreRecord):
    """精品: an accessory of the order from parts stock, sold or given (赠送), fitted by an internal
    repair order whose pick list takes it from stock through the stock door."""

    order = models.ForeignKey(
        VehicleOrder, on_delete=models.CASCADE, related_name="accessories", verbose_name=_("车辆订单")
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("精品"))
    qty = models.DecimalField(_("数量"), default=1, **QTY)
    unit_price = models.DecimalField(_("单价"), default=0, **MONEY)
    amount = models.DecimalField(_("金额"), default=0, **MONEY)
    is_gift = models.BooleanField(_("赠送"), default=False)
    added_at = models.DateTimeField(_("添加时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("订单精品")
        ordering = ["id"]
