"""Forms of the showroom pages and the reader of a lead import file (CSV or Excel)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.errors import field_error
from fours.core.forms import BootstrapFormMixin
from fours.customers.models import Configuration, CustomerKind, VehicleModel

from .choices import DefeatReason, FollowUpChannel, Grade, LeadSource, PayPlan, VisitKind
from .selectors.showroom import demo_vehicles, sellers


def store_models(store):
    """The car models of the store's brands (all models when the store names none that match)."""
    qs = VehicleModel.objects.select_related("series__brand").order_by("series__name", "name")
    brands = [
        b.strip() for b in (getattr(store, "brands", "") or "").replace("、", ",").split(",") if b.strip()
    ]
    if brands and qs.filter(series__brand__name__in=brands).exists():
        qs = qs.filter(series__brand__name__in=brands)
    return qs


class SellerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from fours.core.audit import display_name

        return display_name(obj)


class VisitForm(BootstrapFormMixin, forms.Form):
    """The door's form: few fields, big buttons."""

    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=VisitKind.choices, initial=VisitKind.WALK_IN)
    consultant = SellerChoice(label=gettext_lazy("接待顾问"), queryset=None)
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=LeadSource.choices, required=False)
    name = forms.CharField(label=gettext_lazy("客户姓名"), max_length=100, required=False)
    mobile = forms.CharField(
        label=gettext_lazy("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "off",
                "hx-get": reverse_lazy("sales:visit_lookup"),
                "hx-trigger": "keyup changed delay:300ms",
                "hx-target": "#mobile-hit",
            }
        ),
    )
    intended_model = forms.ModelChoiceField(label=gettext_lazy("意向车型"), queryset=None, required=False)
    grade = forms.ChoiceField(label=gettext_lazy("意向级别"), choices=Grade.choices, initial=Grade.B)
    first_visit = forms.BooleanField(label=gettext_lazy("首次到店"), required=False, initial=True)
    party_size = forms.IntegerField(label=gettext_lazy("来店人数"), initial=1, min_value=1, max_value=50)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = sellers(store)
        self.fields["intended_model"].queryset = store_models(store)


class LeadForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CustomerKind.choices)
    name = forms.CharField(label=gettext_lazy("姓名/单位名称"), max_length=100)
    mobile = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    contact_person = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)
    intended_model = forms.ModelChoiceField(label=gettext_lazy("意向车型"), queryset=None, required=False)
    configuration = forms.ModelChoiceField(label=gettext_lazy("意向配置"), queryset=None, required=False)
    colour = forms.CharField(label=gettext_lazy("意向颜色"), max_length=30, required=False)
    budget = forms.DecimalField(label=gettext_lazy("预算"), required=False, min_value=0, decimal_places=2)
    pay_plan = forms.ChoiceField(label=gettext_lazy("付款方式"), choices=PayPlan.choices)
    trade_in = forms.BooleanField(label=gettext_lazy("置换"), required=False)
    trade_in_vehicle = forms.CharField(label=gettext_lazy("置换车辆"), max_length=100, required=False)
    source = forms.ChoiceField(label=gettext_lazy("来源"), choices=LeadSource.choices)
    campaign = forms.CharField(label=gettext_lazy("活动"), max_length=100, required=False)
    grade = forms.ChoiceField(label=gettext_lazy("意向级别"), choices=Grade.choices, initial=Grade.B)
    is_key_account = forms.BooleanField(label=gettext_lazy("大客户"), required=False)
    fleet_size = forms.IntegerField(label=gettext_lazy("采购台数"), initial=1, min_value=1)
    competitor_model = forms.CharField(label=gettext_lazy("竞品车型"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)

    def __init__(self, *args, store=None, owner_choice=False, **kwargs):
        super().__init__(*args, **kwargs)
        models = store_models(store)
        self.fields["intended_model"].queryset = models
        self.fields["configuration"].queryset = Configuration.objects.filter(model__in=models).select_related(
            "model__series__brand"
        )
        if owner_choice:
            self.fields["owner"] = SellerChoice(label=gettext_lazy("销售顾问"), queryset=sellers(store))
            self.fields["owner"].widget.attrs["class"] = "form-select"


class FollowUpForm(BootstrapFormMixin, forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("方式"), choices=FollowUpChannel.choices)
    result = forms.CharField(
        label=gettext_lazy("跟进结果"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    grade = forms.ChoiceField(label=gettext_lazy("意向级别"), choices=Grade.choices)
    next_follow_up = forms.DateField(
        label=gettext_lazy("下次跟进"), required=False, help_text=gettext_lazy("不填则按意向级别的跟进间隔")
    )


class DefeatForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("战败原因"), choices=DefeatReason.choices)
    competitor_model = forms.CharField(label=gettext_lazy("竞品车型"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("战败说明"), max_length=300, required=False)


class AssignForm(BootstrapFormMixin, forms.Form):
    owner = SellerChoice(label=gettext_lazy("销售顾问"), queryset=None)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = sellers(store)


class DriveBookForm(BootstrapFormMixin, forms.Form):
    vehicle = forms.ModelChoiceField(label=gettext_lazy("试驾车"), queryset=None)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("预约开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("预约结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    driver_name = forms.CharField(label=gettext_lazy("驾驶人"), max_length=50)
    licence_no = forms.CharField(label=gettext_lazy("驾驶证号"), max_length=20)
    licence_expiry = forms.DateField(label=gettext_lazy("驾驶证有效期至"))

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = demo_vehicles(store)
        self.fields["vehicle"].label_from_instance = lambda v: f"{v.configuration} {v.colour} · {v.vin[-6:]}"


def read_lead_rows(upload) -> list[dict]:
    """The rows of a lead file (.csv in UTF-8 or GBK, or .xlsx): the columns by their Chinese header in any
    order (姓名 and 手机号 required); blank rows skipped; each row keeps its line number."""
    name = (getattr(upload, "name", "") or "").lower()
    if upload.size > 5 * 1024 * 1024:
        raise field_error("file", _("文件不能超过5MB"), code="too_large")
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(upload, read_only=True, data_only=True).active
            lines = [list(r) for r in ws.iter_rows(values_only=True)]
        except Exception:  # not a workbook openpyxl can read
            raise field_error("file", _("无法读取该Excel文件"), code="bad_format") from None
    elif name.endswith(".csv"):
        raw = upload.read()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise field_error("file", _("无法识别文件编码"), code="bad_format")
        lines = list(csv.reader(io.StringIO(text)))
    else:
        raise field_error("file", _("请上传CSV或Excel文件（.csv / .xlsx）"), code="bad_file_type")
    if not lines:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    header = [str(h or "").strip() for h in lines[0]]
    at = {}
    for key, names in IMPORT_COLUMNS.items():
        for h in names:
            if h in header:
                at[key] = header.index(h)
                break
    missing = [
        names[0] for key, names in IMPORT_COLUMNS.items() if key in ("name", "mobile") and key not in at
    ]
    if missing:
        raise field_error("file", _("缺少列：%(c)s") % {"c": "、".join(missing)}, code="required")
    out = []
    for line, values in enumerate(lines[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = {k: (values[i] if i < len(values) else None) for k, i in at.items()}
        for k, v in row.items():
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            row[k] = "" if v is None else str(v).strip()
        row["line"] = line
        out.append(row)
    return out


IMPORT_COLUMNS = {
    "name": ("姓名", "姓名/单位名称", "客户姓名", "单位名称"),
    "mobile": ("手机号", "手机", "电话"),
    "kind": ("类型",),
    "model": ("意向车型", "车型"),
    "grade": ("意向级别", "级别"),
    "source": ("来源",),
    "campaign": ("活动",),
    "contact_person": ("联系人",),
    "fleet_size": ("采购台数",),
    "budget": ("预算",),
    "note": ("备注",),
}
