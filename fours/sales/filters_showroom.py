"""Filter bars of the showroom lists: leads (mine/all, overdue, grade, owner), traffic, test drives."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DriveStatus, Grade, LeadSource, LeadStatus, VisitKind
from .models import Lead, TestDrive, Visit


def _sellers(request):
    from django.contrib.auth import get_user_model

    from fours.core.stores import current_store

    from .selectors.showroom import sellers

    store = current_store(request) if request is not None else None
    return sellers(store) if store is not None else get_user_model().objects.none()


DUE = (("overdue", _("已逾期")), ("today", _("今天到期")), ("due", _("今天及逾期")))


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/手机/单号"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=LeadStatus.choices)
    grade = django_filters.ChoiceFilter(label=_("意向级别"), choices=Grade.choices)
    due = django_filters.ChoiceFilter(label=_("跟进"), choices=DUE, method="by_due")
    source = django_filters.ChoiceFilter(label=_("来源"), choices=LeadSource.choices)
    campaign = django_filters.CharFilter(label=_("活动"), lookup_expr="icontains")
    from_campaign = django_filters.BooleanFilter(label=_("活动潜客"), method="by_campaign")
    created = django_filters.DateFromToRangeFilter(
        label=_("建档日期"),
        field_name="created_at__date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    owner = django_filters.ModelChoiceFilter(label=_("销售顾问"), queryset=_sellers)
    unassigned = django_filters.BooleanFilter(label=_("未分配"), field_name="owner", lookup_expr="isnull")
    key_account = django_filters.BooleanFilter(label=_("大客户"), field_name="is_key_account")

    class Meta:
        model = Lead
        fields = [
            "q",
            "status",
            "grade",
            "due",
            "source",
            "campaign",
            "from_campaign",
            "created",
            "owner",
            "unassigned",
            "key_account",
        ]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(mobile__endswith=value) | Q(number__icontains=value))

    def by_campaign(self, qs, name, value):
        return qs.exclude(campaign="") if value else qs.filter(campaign="")

    def by_due(self, qs, name, value):
        today = timezone.localdate()
        qs = qs.filter(status__in=[LeadStatus.OPEN, LeadStatus.DEFEAT_PENDING])
        if value == "overdue":
            return qs.filter(next_follow_up__lt=today)
        if value == "today":
            return qs.filter(next_follow_up=today)
        return qs.filter(next_follow_up__lte=today)


class VisitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=VisitKind.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=LeadSource.choices)
    day = django_filters.DateFromToRangeFilter(
        label=_("日期"),
        field_name="arrived_at__date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    consultant = django_filters.ModelChoiceFilter(label=_("接待顾问"), queryset=_sellers)

    class Meta:
        model = Visit
        fields = ["kind", "source", "day", "consultant"]


class DriveFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DriveStatus.choices)
    day = django_filters.DateFromToRangeFilter(
        label=_("日期"),
        field_name="starts_at__date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = TestDrive
        fields = ["status", "day"]
