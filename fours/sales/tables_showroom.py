"""Tables of the showroom lists: people by name, overdue follow-ups in red."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.tables import DateColumn, DateTimeColumn

from .models import Lead, TestDrive, Visit


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)

    def value(self, value):
        return display_name(value)


def _row_class(record):
    return "table-danger overdue" if getattr(record, "overdue", False) else ""


class LeadTable(tables.Table):
    number = tables.Column(
        verbose_name=_("单号"), linkify=lambda record: reverse("sales:lead_detail", args=[record.pk])
    )
    name = tables.Column(verbose_name=_("姓名/单位名称"))
    intended_model = tables.Column(verbose_name=_("意向车型"), accessor="intended_model")
    owner = PersonColumn(verbose_name=_("销售顾问"), default=_("未分配"))
    next_follow_up = DateColumn(
        verbose_name=_("下次跟进"), format="Y-m-d", attrs={"td": {"class": "text-nowrap due"}}
    )
    last_follow_up_at = DateTimeColumn(verbose_name=_("最近跟进"), format="m-d H:i")
    is_key_account = tables.BooleanColumn(verbose_name=_("大客户"), yesno=("是", ""))

    class Meta:
        model = Lead
        fields = (
            "number",
            "name",
            "grade",
            "status",
            "intended_model",
            "source",
            "campaign",
            "owner",
            "next_follow_up",
            "last_follow_up_at",
            "follow_up_count",
            "is_key_account",
            "created_at",
        )
        row_attrs = {"class": _row_class, "data-lead": lambda record: record.pk}

    def render_grade(self, value, record):
        return record.grade

    def render_created_at(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d")


class DefeatTable(tables.Table):
    number = tables.Column(
        verbose_name=_("单号"), linkify=lambda record: reverse("sales:lead_detail", args=[record.pk])
    )
    owner = PersonColumn(verbose_name=_("销售顾问"))
    defeat_requested_at = DateTimeColumn(verbose_name=_("申请时间"), format="Y-m-d H:i")
    decide = tables.Column(verbose_name=_("审核"), empty_values=(), orderable=False, exclude_from_export=True)

    class Meta:
        model = Lead
        fields = (
            "number",
            "name",
            "intended_model",
            "owner",
            "defeat_reason",
            "competitor_model",
            "defeat_note",
            "follow_up_count",
            "defeat_requested_at",
            "decide",
        )
        orderable = False

    def render_decide(self, record):
        """同意战败 (a POST with the page's CSRF token) and 查看/退回, built in Python per row."""
        from django.middleware.csrf import get_token

        request = getattr(self, "request", None)
        return format_html(
            '<form method="post" action="{}" class="d-flex gap-1">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="queue">'
            '<button class="btn btn-sm btn-danger text-nowrap">{}</button>'
            '<a class="btn btn-sm btn-outline-primary text-nowrap" href="{}#defeat">{}</a></form>',
            reverse("sales:lead_act", args=[record.pk, "approve"]),
            get_token(request) if request is not None else "",
            _("同意战败"),
            reverse("sales:lead_detail", args=[record.pk]),
            _("查看/退回"),
        )


class VisitTable(tables.Table):
    arrived_at = DateTimeColumn(verbose_name=_("进店时间"), format="Y-m-d H:i")
    left_at = DateTimeColumn(verbose_name=_("离店时间"), format="H:i")
    consultant = PersonColumn(verbose_name=_("接待顾问"))
    lead = tables.Column(
        verbose_name=_("潜客"),
        linkify=lambda record: (
            reverse("sales:lead_detail", args=[record.lead_id]) if record.lead_id else None
        ),
    )
    first_visit = tables.BooleanColumn(verbose_name=_("首次到店"), yesno=("首次", "再次"))

    class Meta:
        model = Visit
        fields = (
            "arrived_at",
            "left_at",
            "kind",
            "consultant",
            "source",
            "name",
            "intended_model",
            "first_visit",
            "party_size",
            "lead",
            "note",
        )
        order_by = ("-arrived_at",)

    def render_name(self, value, record):
        return value or "—"


class DriveTable(tables.Table):
    number = tables.Column(
        verbose_name=_("单号"), linkify=lambda record: reverse("sales:drive_detail", args=[record.pk])
    )
    starts_at = DateTimeColumn(verbose_name=_("预约开始"), format="Y-m-d H:i")
    consultant = PersonColumn(verbose_name=_("陪同顾问"))
    lead = tables.Column(verbose_name=_("潜客"), accessor="lead__name")

    class Meta:
        model = TestDrive
        fields = ("number", "starts_at", "status", "lead", "driver_name", "vehicle", "consultant", "rating")
        order_by = ("-starts_at",)
