"""Appointments (预约) and repair orders (维修工单/委托书) with their labour and part lines."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.fields import StoreRecord, now, optional_fk, user_fk
from fours.core.scoping import StoreScopedQuerySet
from fours.customers.models import pattern_index, reversed_key

from ..choices import (
    Approval,
    ApptChannel,
    ApptStatus,
    ConfirmMethod,
    FuelLevel,
    LabourStatus,
    OldPartStatus,
    PartStatus,
    Payer,
    ROKind,
    ROStatus,
)
from ._base import HOURS, MONEY, PCT, QTY

USER = settings.AUTH_USER_MODEL
ZERO = Decimal("0")


class Appointment(StoreRecord):
    """预约: a customer's vehicle booked with an advisor into a time slot."""

    number = models.CharField(_("预约单号"), max_length=30, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=ApptStatus.choices, default=ApptStatus.BOOKED)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("车辆")
    )
    advisor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务顾问"))
    date = models.DateField(_("预约日期"), db_index=True)
    slot = models.TimeField(_("预约时段"))
    package = optional_fk("service.MaintenancePackage", _("保养套餐"))
    jobs = models.CharField(_("预约项目"), max_length=300, blank=True)
    channel = models.CharField(
        _("预约渠道"), max_length=10, choices=ApptChannel.choices, default=ApptChannel.PHONE
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    parts_reserved = models.BooleanField(_("已预留配件"), default=False)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = user_fk(blank=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预约")
        ordering = ["date", "slot", "id"]
        indexes = [models.Index(fields=["store", "date", "advisor"], name="appt_day_idx")]

    def __str__(self) -> str:
        return self.number or f"{_('预约')} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("service:appointment-detail", args=[self.pk])

    @property
    def doc_number(self) -> str:
        return self.number


class RepairOrder(StoreRecord):
    """维修工单/委托书. Writes go through fours.service.services; the status follows workflows.RO."""

    number = models.CharField(_("工单号"), max_length=30, blank=True, db_index=True)
    # the number reversed, kept by the database: "the last digits of the number" is a prefix lookup
    number_rev = reversed_key("number", 30)
    status = models.CharField(
        _("状态"), max_length=20, choices=ROStatus.choices, default=ROStatus.RECEIVED, db_index=True
    )
    kind = models.CharField(_("维修类型"), max_length=12, choices=ROKind.choices, default=ROKind.REPAIR)
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="repair_orders", verbose_name=_("车辆")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    advisor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务顾问"))
    appointment = optional_fk(
        Appointment, _("预约单"), field=models.OneToOneField, related_name="repair_order"
    )
    contact_name = models.CharField(_("送修人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("送修人电话"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("接车时间"), default=now, db_index=True)
    promised_at = models.DateTimeField(_("预计交车"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("进厂里程"), default=0)
    fuel_level = models.CharField(
        _("油量"), max_length=3, choices=FuelLevel.choices, default=FuelLevel.HALF, blank=True
    )
    warning_lights = models.JSONField(_("故障灯"), default=list, blank=True)
    damage_marks = models.JSONField(_("外观损伤"), default=list, blank=True)
    belongings = models.JSONField(_("随车物品"), default=list, blank=True)
    belongings_note = models.CharField(_("其他随车物品"), max_length=200, blank=True)
    complaint = models.TextField(_("客户描述（原话）"), blank=True)
    diagnosis = models.TextField(_("检查诊断"), blank=True)
    fault_code = models.ForeignKey(
        "service.FaultCode", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("故障代码")
    )
    key_tag = models.CharField(_("钥匙牌号"), max_length=10, blank=True)
    keys_in_box = models.BooleanField(_("钥匙已收回"), default=True)
    insurer = models.CharField(_("保险公司"), max_length=50, blank=True)
    claim_no = models.CharField(_("报案号"), max_length=40, blank=True)
    # estimate (估价) and its confirmation
    estimate_amount = models.DecimalField(_("估价金额"), default=0, **MONEY)
    estimate_hours = models.DecimalField(_("估计工时"), default=0, **HOURS)
    estimate_confirmed_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)
    # discounts on the customer's lines (工时折扣 / 材料折扣), within the actor's limit or approved
    labour_discount_pct = models.DecimalField(_("工时折扣（%）"), default=0, **PCT)
    parts_discount_pct = models.DecimalField(_("材料折扣（%）"), default=0, **PCT)
    # settlement (totals of the current settlement; 0 before). What the customer owes and has paid is
    # in finance: selectors.with_money / ro_money read it from the order's open items
    labour_total = models.DecimalField(_("工时费"), default=0, **MONEY)
    parts_total = models.DecimalField(_("材料费"), default=0, **MONEY)
    discount_total = models.DecimalField(_("折扣金额"), default=0, **MONEY)
    total = models.DecimalField(_("合计（含税）"), default=0, **MONEY)
    on_account = models.BooleanField(_("挂账"), default=False)
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=30, blank=True)
    delivered_at = models.DateTimeField(_("交车时间"), null=True, blank=True)
    gate_pass_no = models.CharField(_("出门证号"), max_length=30, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    created_by = user_fk(blank=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("维修工单")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("dispatch_repairorder", _("派工")),
            ("work_repairorder", _("施工打卡与领料申请")),
            ("qc_repairorder", _("质检")),
            ("issue_repairorder", _("维修发料")),
            ("settle_repairorder", _("结算收款")),
            ("reverse_settlement", _("反结算")),
            ("deliver_repairorder", _("交车放行")),
            ("view_service_dashboard", _("查看售后看板")),
            ("sign_warranty", _("索赔鉴定签字")),
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="ro_store_status_idx"),
            # the list's default page: one store's orders, newest received first
            models.Index(fields=["store", "-received_at", "-id"], name="ro_store_received_idx"),
            pattern_index("number_rev", "ro_number_rev"),
        ]

    def __str__(self) -> str:
        return self.number or f"{_('工单')} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("service:ro-detail", args=[self.pk])

    @property
    def doc_number(self) -> str:
        return self.number

    @property
    def is_late(self) -> bool:
        return bool(
            self.promised_at
            and self.status not in (ROStatus.DELIVERED, ROStatus.CANCELLED, ROStatus.SETTLED)
            and self.promised_at < timezone.now()
        )

    @property
    def balance_due(self) -> Decimal:
        """What the customer still owes on the order: its finance items (应收·客户) less what the cashier
        desk allocated to them. Read from ``customer_due`` and ``paid``, which
        ``selectors.with_money`` annotates (the order keeps no money of its own)."""
        return self.customer_due - self.paid


class LabourLine(models.Model):
    """A labour job (工时项目) on an order: payer, hours × rate, dispatch and work status."""

    ro = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="labour", verbose_name=_("工单")
    )
    operation = optional_fk("service.LabourOperation", _("工时项目"), related_name=None)
    package = optional_fk("service.MaintenancePackage")
    code = models.CharField(_("工时代码"), max_length=20, blank=True)
    name = models.CharField(_("项目"), max_length=100)
    payer = models.CharField(_("付费方"), max_length=10, choices=Payer.choices, default=Payer.CUSTOMER)
    hours = models.DecimalField(_("工时"), **HOURS)
    rate = models.DecimalField(_("单价"), **MONEY)
    amount = models.DecimalField(_("金额"), **MONEY)
    is_added = models.BooleanField(_("追加项目"), default=False)
    approval = models.CharField(
        _("客户确认"), max_length=10, choices=Approval.choices, default=Approval.APPROVED
    )
    status = models.CharField(
        _("作业状态"), max_length=12, choices=LabourStatus.choices, default=LabourStatus.PENDING
    )
    technician = user_fk(_("技师"))
    team = optional_fk("service.Team", _("班组"), related_name=None)
    bay = optional_fk("service.Bay", _("工位"), related_name=None)
    actual_hours = models.DecimalField(_("实际工时"), default=0, **HOURS)
    self_checked_at = models.DateTimeField(_("自检时间"), null=True, blank=True)
    self_check_note = models.CharField(_("自检记录"), max_length=200, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    # 索赔 lines: the warranty clerk's appraisal and sign-off (三包索赔员签字认可)
    warranty_signed_by = user_fk(_("索赔员签字"))
    warranty_signed_at = models.DateTimeField(_("索赔签字时间"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("工时明细")
        ordering = ["sort", "id"]
        indexes = [models.Index(fields=["technician", "status"], name="labour_tech_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def is_team(self) -> bool:
        return self.team_id is not None


class PartLine(models.Model):
    """A part on an order: payer, qty × price, requisition (领料) and issue status, old part (交旧领新)."""

    ro = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="parts", verbose_name=_("工单")
    )
    labour = optional_fk(LabourLine, on_delete=models.SET_NULL, related_name="part_lines")
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, verbose_name=_("配件"))
    payer = models.CharField(_("付费方"), max_length=10, choices=Payer.choices, default=Payer.CUSTOMER)
    qty = models.DecimalField(_("数量"), **QTY)
    unit_price = models.DecimalField(_("单价"), **MONEY)
    amount = models.DecimalField(_("金额"), **MONEY)
    tax_rate = models.DecimalField(_("税率"), max_digits=5, decimal_places=4, default=Decimal("0.13"))
    qty_issued = models.DecimalField(_("已发数量"), default=0, **QTY)
    qty_returned = models.DecimalField(_("已退数量"), default=0, **QTY)
    cost = models.DecimalField(_("成本"), default=0, **MONEY)
    is_added = models.BooleanField(_("追加项目"), default=False)
    approval = models.CharField(
        _("客户确认"), max_length=10, choices=Approval.choices, default=Approval.APPROVED
    )
    status = models.CharField(
        _("领料状态"), max_length=10, choices=PartStatus.choices, default=PartStatus.PLANNED
    )
    requested_by = user_fk()
    requested_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    old_part = models.CharField(
        _("旧件"), max_length=12, choices=OldPartStatus.choices, default=OldPartStatus.NONE, blank=True
    )
    old_part_at = models.DateTimeField(_("交旧时间"), null=True, blank=True)
    old_part_by = user_fk()
    # 索赔 lines: signed off by the warranty clerk before the part is issued (seed 004 §2)
    warranty_signed_by = user_fk(_("索赔员签字"))
    warranty_signed_at = models.DateTimeField(_("索赔签字时间"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("材料明细")
        ordering = ["sort", "id"]
        indexes = [models.Index(fields=["status"], name="partline_status_idx")]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.qty}"

    @property
    def qty_used(self) -> Decimal:
        return self.qty_issued - self.qty_returned

    @property
    def store_id(self):
        return self.ro.store_id


class CustomerApproval(models.Model):
    """The customer's confirmation of the estimate (估价) or of added jobs (追加项目): who, when, how."""

    ro = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(
        _("确认内容"), max_length=10, choices=[("estimate", _("估价")), ("added", _("追加项目"))]
    )
    amount = models.DecimalField(_("金额"), **MONEY)
    hours = models.DecimalField(_("工时"), default=0, **HOURS)
    promised_at = models.DateTimeField(_("预计交车"), null=True, blank=True)
    lines = models.JSONField(_("确认的明细"), default=list)
    approved = models.BooleanField(_("同意"), default=True)
    method = models.CharField(_("确认方式"), max_length=10, choices=ConfirmMethod.choices)
    signer_name = models.CharField(_("签字人"), max_length=50)
    signature = models.TextField(_("签名"), blank=True, help_text=_("屏幕签名图像（data URL）"))
    recorded_by = user_fk(blank=False)
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("客户确认")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ro_id} {self.kind} {self.signer_name}"


class Delay(models.Model):
    """延期: a new promised time, the reason, and whether the customer was told."""

    ro = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="delays")
    old_promised_at = models.DateTimeField(_("原预计交车"), null=True, blank=True)
    new_promised_at = models.DateTimeField(_("新预计交车"))
    reason = models.CharField(_("原因"), max_length=200)
    customer_informed = models.BooleanField(_("已告知客户"), default=True)
    actor = user_fk(blank=False)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("延期记录")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.ro_id} → {self.new_promised_at}"


class DiscountRequest(models.Model):
    """A discount above the advisor's limit, waiting for someone whose limit covers it."""

    ro = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="discount_requests")
    labour_pct = models.DecimalField(_("工时折扣（%）"), **PCT)
    parts_pct = models.DecimalField(_("材料折扣（%）"), **PCT)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        default="pending",
        choices=[("pending", _("待审批")), ("approved", _("已批准")), ("rejected", _("已驳回"))],
    )
    requested_by = user_fk(blank=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = user_fk()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("折扣审批")
        constraints = [
            models.UniqueConstraint(
                fields=["ro"], condition=Q(status="pending"), name="one_pending_discount_per_ro"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ro_id} {self.labour_pct}/{self.parts_pct}"


def photo_path(instance, filename):
    return f"service/{instance.ro.store_id}/{instance.ro_id}/{filename}"


class PhotoQuerySet(StoreScopedQuerySet):
    store_field = "ro__store"


class Photo(models.Model):
    """环车检查 and evidence photos, through Django's storage API; served only to users of the
    order's store (``fours.core.uploads``)."""

    ro = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("照片"),
        upload_to=photo_path,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp", "heic"])],
    )
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = user_fk(blank=False)
    at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(PhotoQuerySet)()

    class Meta:
        verbose_name = verbose_name_plural = _("照片")

    def __str__(self) -> str:
        return self.caption or self.image.name
