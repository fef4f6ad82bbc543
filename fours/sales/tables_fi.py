"""Tables of the F&I lists: 按揭申请 and 新车保险, money with the yuan formatter, people by name."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.tables import DateColumn, DateTimeColumn, MoneyColumn

from .models import LoanApplication, Policy


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)


class LoanTable(tables.Table):
    number = tables.Column(
        verbose_name=_("单号"), linkify=lambda record: reverse("sales:loan_detail", args=[record.pk])
    )
    order = tables.Column(verbose_name=_("车辆订单"), accessor="order__number")
    customer = tables.Column(verbose_name=_("客户"), accessor="order__customer__name")
    partner = tables.Column(verbose_name=_("合作机构"), accessor="product__partner__name")
    amount = MoneyColumn(verbose_name=_("申请金额"))
    approved_amount = MoneyColumn(verbose_name=_("批复金额"))
    commission = MoneyColumn(verbose_name=_("佣金"))
    specialist = PersonColumn(verbose_name=_("金融专员"))
    created_at = DateTimeColumn(verbose_name=_("创建时间"), format="Y-m-d H:i")

    class Meta:
        model = LoanApplication
        fields = (
            "number",
            "order",
            "customer",
            "partner",
            "amount",
            "term_months",
            "approved_amount",
            "status",
            "commission",
            "specialist",
            "created_at",
        )


class PolicyTable(tables.Table):
    policy_no = tables.Column(
        verbose_name=_("保单号"), linkify=lambda record: reverse("sales:fi_policy_detail", args=[record.pk])
    )
    customer = tables.Column(verbose_name=_("客户"), accessor="order__customer__name", default="—")
    insurer = tables.Column(verbose_name=_("保险公司"), accessor="product__partner__name")
    premium = MoneyColumn(verbose_name=_("保费"))
    commission = MoneyColumn(verbose_name=_("佣金"))
    specialist = PersonColumn(verbose_name=_("经办人"))
    starts_on = DateColumn(verbose_name=_("起保日期"), format="Y-m-d")
    expires_on = DateColumn(verbose_name=_("到期日期"), format="Y-m-d")

    class Meta:
        model = Policy
        fields = (
            "policy_no",
            "customer",
            "insurer",
            "premium",
            "commission",
            "starts_on",
            "expires_on",
            "status",
            "specialist",
        )
