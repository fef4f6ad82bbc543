"""The showroom (展厅): traffic (客流登记), leads (潜客) with their follow-ups (跟进) and defeats (战败),
the grade rules (意向级别跟进间隔) and test drives (试乘试驾)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.fields import MONEY, DocumentMixin, StoreRecord, StoreSetting, now, optional_fk, user_fk
from fours.customers.models import CustomerKind

from ..choices import (
    DefeatReason,
    DriveStatus,
    FollowUpChannel,
    Grade,
    LeadSource,
    LeadStatus,
    PayPlan,
    VisitKind,
)


class GradeRule(StoreSetting):
    """How often a lead of a grade is followed up (天), set by the sales manager."""

    grade = models.CharField(_("意向级别"), max_length=1, choices=Grade.choices)
    follow_up_days = models.PositiveSmallIntegerField(_("跟进间隔（天）"))

    class Meta:
        verbose_name = verbose_name_plural = _("意向级别跟进规则")
        ordering = ["grade"]
        constraints = [models.UniqueConstraint(fields=["store", "grade"], name="sales_graderule_unique")]

    def __str__(self) -> str:
        return f"{self.grade} {self.follow_up_days}"


class Lead(DocumentMixin):
    """潜客: a person or a company who may buy, owned by one consultant until it ends as an order or
    an approved defeat."""

    detail_view = "sales:lead_detail"

    kind = models.CharField(
        _("类型"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("姓名/单位名称"), max_length=100)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True, db_index=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    customer = optional_fk("customers.Customer", _("客户档案"), related_name="leads")
    intended_model = optional_fk("customers.VehicleModel", _("意向车型"))
    configuration = optional_fk("customers.Configuration", _("意向配置"))
    colour = models.CharField(_("意向颜色"), max_length=30, blank=True)
    budget = models.DecimalField(_("预算"), null=True, blank=True, **MONEY)
    pay_plan = models.CharField(_("付款方式"), max_length=5, choices=PayPlan.choices, default=PayPlan.CASH)
    trade_in = models.BooleanField(_("置换"), default=False)
    trade_in_vehicle = models.CharField(_("置换车辆"), max_length=100, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=LeadSource.choices, default=LeadSource.WALK_IN
    )
    campaign = models.CharField(_("活动"), max_length=100, blank=True)
    grade = models.CharField(_("意向级别"), max_length=1, choices=Grade.choices, default=Grade.B)
    owner = user_fk(_("销售顾问"), related_name="sales_leads")
    status = models.CharField(_("状态"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    next_follow_up = models.DateField(_("下次跟进"), null=True, blank=True, db_index=True)
    last_follow_up_at = models.DateTimeField(_("最近跟进"), null=True, blank=True)
    follow_up_count = models.PositiveIntegerField(_("跟进次数"), default=0)
    is_key_account = models.BooleanField(_("大客户"), default=False)
    fleet_size = models.PositiveIntegerField(_("采购台数"), default=1)
    competitor_model = models.CharField(_("竞品车型"), max_length=100, blank=True)
    # defeat (战败申请): asked by the consultant, approved or sent back by the sales manager
    defeat_reason = models.CharField(_("战败原因"), max_length=12, choices=DefeatReason.choices, blank=True)
    defeat_note = models.CharField(_("战败说明"), max_length=300, blank=True)
    defeat_requested_at = models.DateTimeField(_("申请战败时间"), null=True, blank=True)
    defeat_decided_by = user_fk(_("战败审核人"))
    defeat_decided_at = models.DateTimeField(_("战败审核时间"), null=True, blank=True)
    defeat_decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("潜客")
        indexes = [
            models.Index(fields=["store", "status", "next_follow_up"], name="sales_lead_due"),
            models.Index(fields=["store", "owner", "status"], name="sales_lead_owner"),
        ]
        permissions = [
            ("assign_lead", _("分配/转交潜客")),
            ("approve_defeat", _("审核战败申请")),
            ("import_lead", _("导入潜客")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）" if self.number else self.name


class FollowUp(StoreRecord):
    """跟进记录: one call, visit or message to a lead, its result and the next date."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("潜客")
    )
    at = models.DateTimeField(_("时间"), default=now)
    channel = models.CharField(_("方式"), max_length=8, choices=FollowUpChannel.choices)
    result = models.CharField(_("跟进结果"), max_length=500)
    grade = models.CharField(_("意向级别"), max_length=1, choices=Grade.choices)
    next_follow_up = models.DateField(_("下次跟进"), null=True, blank=True)
    actor = user_fk(_("跟进人"))

    class Meta:
        verbose_name = verbose_name_plural = _("潜客跟进")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.lead} {self.at:%Y-%m-%d}"


class Visit(StoreRecord):
    """《展厅客流量表》: one walk-in or phone enquiry, logged at the door; it creates or joins a lead."""

    kind = models.CharField(_("类型"), max_length=8, choices=VisitKind.choices, default=VisitKind.WALK_IN)
    arrived_at = models.DateTimeField(_("进店时间"), default=now)
    left_at = models.DateTimeField(_("离店时间"), null=True, blank=True)
    consultant = user_fk(_("接待顾问"), related_name="sales_visits")
    source = models.CharField(
        _("来源"), max_length=10, choices=LeadSource.choices, default=LeadSource.WALK_IN
    )
    name = models.CharField(_("客户姓名"), max_length=100, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True)
    intended_model = optional_fk("customers.VehicleModel", _("意向车型"))
    first_visit = models.BooleanField(_("首次到店"), default=True)
    party_size = models.PositiveSmallIntegerField(_("来店人数"), default=1)
    lead = optional_fk(Lead, _("潜客"), related_name="visits")
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("展厅客流")
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["store", "arrived_at"], name="sales_visit_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.arrived_at:%Y-%m-%d %H:%M} {self.name}"


class TestDrive(DocumentMixin):
    """试乘试驾单: a booking of a demo vehicle for a lead, the licence checked, the agreement signed,
    odometer out and in, the customer's feedback."""

    detail_view = "sales:drive_detail"

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="drives", verbose_name=_("潜客"))
    vehicle = models.ForeignKey(
        "sales.StockVehicle", on_delete=models.PROTECT, related_name="drives", verbose_name=_("试驾车")
    )
    consultant = user_fk(_("陪同顾问"))
    starts_at = models.DateTimeField(_("预约开始"))
    ends_at = models.DateTimeField(_("预约结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DriveStatus.choices, default=DriveStatus.BOOKED
    )
    driver_name = models.CharField(_("驾驶人"), max_length=50)
    licence_no = models.CharField(_("驾驶证号"), max_length=20)
    licence_expiry = models.DateField(_("驾驶证有效期至"))
    agreement_signed_at = models.DateTimeField(_("签署试驾协议"), null=True, blank=True)
    signature = models.TextField(_("签名"), blank=True, help_text=_("签名图像（data URL）"))
    started_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("返回时间"), null=True, blank=True)
    odometer_out = models.PositiveIntegerField(_("出发里程"), null=True, blank=True)
    odometer_in = models.PositiveIntegerField(_("返回里程"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度（1-5）"), null=True, blank=True)
    feedback = models.CharField(_("客户反馈"), max_length=500, blank=True)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("试乘试驾")
        indexes = [models.Index(fields=["vehicle", "starts_at"], name="sales_drive_vehicle_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="sales_drive_ends_after"
            )
        ]
