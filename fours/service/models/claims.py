"""Warranty claims (索赔) with their old-part tags (旧件标签) and return shipments (旧件返厂), accident jobs
(事故车: the insurer's loss assessment 定损 and the repair agreement 维修协议) and the insurer contact log.
What the manufacturer or the insurer owes is an open item in finance, linked to the claim or the job."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import HOURS, MONEY, QTY, DocumentMixin, StoreRecord, now, optional_fk, user_fk

from ..choices import AccidentStatus, ClaimStatus, ContactKind, RejectReason, ShipmentStatus, TagStatus


class WarrantyClaim(DocumentMixin):
    """索赔申请单: the warranty lines of one repair order claimed from the vehicle's manufacturer."""

    detail_view = "service:claim-detail"

    ro = models.ForeignKey(
        "service.RepairOrder", on_delete=models.PROTECT, related_name="claims", verbose_name=_("工单")
    )
    brand = models.ForeignKey(
        "customers.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("品牌")
    )
    vin = models.CharField(_("车架号（VIN）"), max_length=17)
    warranty_start = models.DateField(_("保修开始"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("里程"), default=0)
    repaired_on = models.DateField(_("维修日期"))
    deadline = models.DateField(_("申报截止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    failure = models.TextField(_("故障描述"))
    fault_code = models.CharField(_("故障代码"), max_length=40, blank=True)
    causal_part = optional_fk("parts.Part", _("主损件"))
    labour_amount = models.DecimalField(_("工时索赔金额"), default=0, **MONEY)
    parts_amount = models.DecimalField(_("配件索赔金额"), default=0, **MONEY)
    amount = models.DecimalField(_("索赔金额"), default=0, **MONEY)
    approved_amount = models.DecimalField(_("批准金额"), null=True, blank=True, **MONEY)
    paid_amount = models.DecimalField(_("回款金额"), default=0, **MONEY)
    reject_reason = models.CharField(_("拒赔原因"), max_length=16, choices=RejectReason.choices, blank=True)
    reject_note = models.CharField(_("拒赔说明"), max_length=300, blank=True)
    oem_ref = models.CharField(_("厂家受理号"), max_length=40, blank=True)
    submissions = models.PositiveSmallIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("厂家审核时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("回款时间"), null=True, blank=True)
    clerk = user_fk(_("索赔员"))

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("索赔申请")
        indexes = [models.Index(fields=["store", "status", "deadline"], name="service_claim_due")]
        permissions = [("decide_claim", _("登记厂家审核结果"))]


class ClaimLine(models.Model):
    """A labour or part line of the claim, priced at the manufacturer's warranty rates."""

    claim = models.ForeignKey(
        WarrantyClaim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("索赔申请")
    )
    labour = optional_fk("service.LabourLine", _("工时项目"))
    part_line = optional_fk("service.PartLine", _("材料"))
    code = models.CharField(_("工时/零件代码"), max_length=40, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    hours = models.DecimalField(_("工时"), default=0, **HOURS)
    qty = models.DecimalField(_("数量"), default=0, **QTY)
    unit_price = models.DecimalField(_("索赔单价"), default=0, **MONEY)
    amount = models.DecimalField(_("金额"), default=0, **MONEY)
    approved_amount = models.DecimalField(_("批准金额"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = _("索赔明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ReturnShipment(DocumentMixin):
    """旧件返厂单: the tagged old parts packed and shipped back to the manufacturer (装箱单)."""

    detail_view = "service:shipment-detail"

    brand = models.ForeignKey(
        "customers.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("品牌")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ShipmentStatus.choices, default=ShipmentStatus.PACKING
    )
    carrier = models.CharField(_("承运商"), max_length=50, blank=True)
    waybill = models.CharField(_("运单号"), max_length=40, blank=True)
    shipped_at = models.DateTimeField(_("发运时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("旧件返厂单")


class OldPartTag(StoreRecord):
    """旧件标签: one warranty old part (claim, part, VIN), kept until shipped back or scrapped on instruction."""

    claim = models.ForeignKey(
        WarrantyClaim, on_delete=models.PROTECT, related_name="tags", verbose_name=_("索赔申请")
    )
    part_line = models.OneToOneField(
        "service.PartLine", on_delete=models.PROTECT, related_name="old_part_tag", verbose_name=_("材料")
    )
    tag_no = models.CharField(_("标签号"), max_length=30, unique=True)
    qty = models.DecimalField(_("数量"), default=1, **QTY)
    status = models.CharField(_("状态"), max_length=10, choices=TagStatus.choices, default=TagStatus.KEPT)
    shipment = optional_fk(ReturnShipment, _("返厂单"), related_name="tags", on_delete=models.SET_NULL)
    location = models.CharField(_("存放位置"), max_length=50, blank=True)
    instruction = models.CharField(_("处理指令"), max_length=200, blank=True)
    tagged_at = models.DateTimeField(_("挂签时间"), default=now)
    tagged_by = user_fk(_("挂签人"))

    class Meta:
        verbose_name = verbose_name_plural = _("索赔旧件")
        ordering = ["-tagged_at", "-id"]

    def __str__(self) -> str:
        return self.tag_no


class AccidentJob(DocumentMixin):
    """事故车: the insurer's side of an accident repair order: policy and claim numbers, the loss assessment
    (定损) and the agreed amount, the repair agreement, the customer's excess; the insurer's share is a
    receivable in finance."""

    detail_view = "service:accident-detail"

    ro = models.OneToOneField(
        "service.RepairOrder", on_delete=models.PROTECT, related_name="accident", verbose_name=_("工单")
    )
    insurer = models.ForeignKey(
        "finance.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("保险公司")
    )
    policy_no = models.CharField(_("保单号"), max_length=40, blank=True)
    claim_no = models.CharField(_("报案号"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=AccidentStatus.choices, default=AccidentStatus.REPORTED
    )
    assessor = models.CharField(_("定损员"), max_length=50, blank=True)
    assessed_amount = models.DecimalField(_("定损金额"), default=0, **MONEY)
    agreed_amount = models.DecimalField(_("协议金额"), default=0, **MONEY)
    excess = models.DecimalField(_("客户自付（免赔）"), default=0, **MONEY)
    final_amount = models.DecimalField(_("结算金额"), default=0, **MONEY)
    agreement_signed_at = models.DateTimeField(_("维修协议签订"), null=True, blank=True)
    signature = models.TextField(_("签名"), blank=True)
    specialist = user_fk(_("事故专员"))

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("事故车")


class AssessmentItem(models.Model):
    """定损项目: one item of the insurer's loss assessment (labour, part, paint)."""

    job = models.ForeignKey(
        AccidentJob, on_delete=models.CASCADE, related_name="items", verbose_name=_("事故车")
    )
    name = models.CharField(_("项目"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, blank=True, help_text=_("工时 / 配件 / 喷漆"))
    qty = models.DecimalField(_("数量"), default=1, **QTY)
    assessed = models.DecimalField(_("定损金额"), default=0, **MONEY)
    agreed = models.DecimalField(_("协议金额"), default=0, **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = _("定损项目")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class InsurerContact(StoreRecord):
    """保险公司联系记录: seed 004 asks at least 4 a month per insurer, 8 with partner insurers."""

    insurer = models.ForeignKey(
        "finance.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("保险公司")
    )
    kind = models.CharField(_("方式"), max_length=8, choices=ContactKind.choices)
    at = models.DateTimeField(_("时间"), default=now)
    person = models.CharField(_("对接人"), max_length=50, blank=True)
    subject = models.CharField(_("内容"), max_length=300)
    actor = user_fk(_("记录人"))

    class Meta:
        verbose_name = verbose_name_plural = _("保险公司联系记录")
        ordering = ["-at", "-id"]
