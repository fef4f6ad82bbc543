"""F&I (金融保险): the partners' products with their commission rates, loan applications with the 五大件
file, and new-car insurance policies (which feed customer care's renewal reminders)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fours.core.fields import MONEY, PCT, DocumentMixin, StoreRecord, StoreSetting, now, optional_fk, user_fk

from ..choices import LoanDoc, LoanStatus, PolicyStatus, ProductKind


class Product(StoreSetting):
    """A partner's product (bank, finance company, guarantor or insurer, each a finance ``Party``)."""

    partner = models.ForeignKey(
        "finance.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("合作机构")
    )
    kind = models.CharField(_("业务类型"), max_length=10, choices=ProductKind.choices)
    name = models.CharField(_("产品名称"), max_length=100)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    rate_pct = models.DecimalField(_("年利率（%）"), null=True, blank=True, **PCT)
    commission_pct = models.DecimalField(_("佣金比例（%）"), default=0, **PCT)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("金融保险产品")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.partner} {self.name}"


class LoanApplication(DocumentMixin):
    """按揭申请: the loan of an order with a partner's product, its paper file and its status; the
    disbursement is a receivable from the bank, the commission one too."""

    detail_view = "sales:loan_detail"

    order = models.ForeignKey(
        "sales.VehicleOrder", on_delete=models.PROTECT, related_name="loans", verbose_name=_("车辆订单")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("贷款产品")
    )
    amount = models.DecimalField(_("申请金额"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    approved_amount = models.DecimalField(_("批复金额"), null=True, blank=True, **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.COLLECTING
    )
    specialist = user_fk(_("金融专员"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reject_reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)
    disbursed_at = models.DateTimeField(_("放款时间"), null=True, blank=True)
    commission = models.DecimalField(_("佣金"), default=0, **MONEY)

    class Meta(DocumentMixin.Meta):
        verbose_name = verbose_name_plural = _("按揭申请")


class LoanDocument(StoreRecord):
    """A scan or photo of one paper of the loan file (身份证, 户口本 …), kept through the storage API."""

    application = models.ForeignKey(
        LoanApplication, on_delete=models.CASCADE, related_name="documents", verbose_name=_("按揭申请")
    )
    kind = models.CharField(_("资料"), max_length=16, choices=LoanDoc.choices)
    file = models.FileField(_("扫描件"), upload_to="sales/loans/%Y/%m/", blank=True)
    checked = models.BooleanField(_("已核对"), default=False)
    uploaded_by = user_fk(_("上传人"))
    at = models.DateTimeField(_("时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("按揭资料")
        ordering = ["kind", "id"]


class Policy(StoreRecord):
    """新车保险 (入保): the policy the store places for a sold vehicle, its covers, premium and commission."""

    order = optional_fk("sales.VehicleOrder", _("车辆订单"), related_name="policies")
    vehicle = optional_fk("customers.Vehicle", _("档案车辆"), related_name="sales_policies")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("保险产品")
    )
    policy_no = models.CharField(_("保单号"), max_length=40)
    covers = models.JSONField(_("险种"), default=list)
    premium = models.DecimalField(_("保费"), **MONEY)
    commission = models.DecimalField(_("佣金"), default=0, **MONEY)
    starts_on = models.DateField(_("起保日期"))
    expires_on = models.DateField(_("到期日期"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.ACTIVE
    )
    specialist = user_fk(_("经办人"))
    created_at = models.DateTimeField(_("录入时间"), default=now)

    class Meta:
        verbose_name = verbose_name_plural = _("新车保险")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "policy_no"], name="sales_policy_no_unique"),
        ]

    def __str__(self) -> str:
        return self.policy_no
