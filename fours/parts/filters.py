import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.filters import YesNoWidget

from .choices import ABCClass, Channel, MoveKind, PartCategory
from .models import (
    Discrepancy,
    Part,
    PurchaseDemand,
    PurchaseOrder,
    PurchasePlan,
    Receipt,
    ReturnOrder,
    Sale,
    StockBalance,
    StockMove,
    Stocktake,
    Supplier,
    TradeCustomer,
    Transfer,
    WriteOff,
)
from .services.catalog import normalize_part_no


def _part_q(prefix, value):
    no = normalize_part_no(value)
    q = Q(**{f"{prefix}name__icontains": value})
    if no:
        q |= Q(**{f"{prefix}part_no__startswith": no})
    return q


class PartFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("编号/名称"), method="search")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=PartCategory.choices)
    brand = django_filters.CharFilter(label=_("品牌"), lookup_expr="icontains")

    class Meta:
        model = Part
        fields = ["q", "category", "brand"]

    def search(self, qs, name, value):
        return qs.filter(_part_q("", value))


class BalanceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("编号/名称"), method="search")
    abc = django_filters.ChoiceFilter(label=_("ABC分类"), choices=ABCClass.choices, method="by_abc")
    in_stock = django_filters.BooleanFilter(label=_("有库存"), method="by_stock", widget=YesNoWidget)
    below_safety = django_filters.BooleanFilter(
        label=_("低于保险储备"), method="by_below_safety", widget=YesNoWidget
    )

    class Meta:
        model = StockBalance
        fields = ["q", "abc", "in_stock", "below_safety"]

    def by_below_safety(self, qs, name, value):
        """On hand below the part's safety stock or minimum in this store (the home tile's figure)."""
        from .selectors import below_safety

        return below_safety(qs, below=bool(value))

    def search(self, qs, name, value):
        return qs.filter(_part_q("part__", value))

    def by_abc(self, qs, name, value):
        return qs.filter(part__settings__abc_class=value, part__settings__store=F_store(qs))

    def by_stock(self, qs, name, value):
        return qs.filter(on_hand__gt=0) if value else qs.filter(on_hand__lte=0)


def F_store(qs):
    from django.db.models import F

    return F("store")


class MoveFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("编号/名称"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=MoveKind.choices)
    doc_number = django_filters.CharFilter(label=_("单据号"), lookup_expr="icontains")
    at = django_filters.DateFromToRangeFilter(label=_("时间"))

    class Meta:
        model = StockMove
        fields = ["q", "kind", "doc_number", "at"]

    def search(self, qs, name, value):
        return qs.filter(_part_q("part__", value))


def simple(model_, *names, extra=None):
    meta = type("Meta", (), {"model": model_, "fields": list(names)})
    attrs = {"Meta": meta, **(extra or {})}
    return type(f"{model_.__name__}Filter", (django_filters.FilterSet,), attrs)


SaleFilter = simple(
    Sale,
    "channel",
    "status",
    "number",
    extra={
        "number": django_filters.CharFilter(label=_("单号"), lookup_expr="icontains"),
        "channel": django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices[:2]),
    },
)
PlanFilter = simple(PurchasePlan, "kind", "status")


def _po_open(qs, name, value):
    """在途: ordered and not yet fully received (the home tile's figure)."""
    from .choices import POStatus

    cond = Q(status__in=[POStatus.ORDERED, POStatus.PARTIAL])
    return qs.filter(cond) if value else qs.exclude(cond)


POFilter = simple(
    PurchaseOrder,
    "status",
    "kind",
    "number",
    extra={
        "number": django_filters.CharFilter(label=_("单号"), lookup_expr="icontains"),
        "open": django_filters.BooleanFilter(label=_("在途"), method=_po_open, widget=YesNoWidget),
    },
)
ReceiptFilter = simple(
    Receipt, "number", extra={"number": django_filters.CharFilter(label=_("单号"), lookup_expr="icontains")}
)
DiscrepancyFilter = simple(Discrepancy, "status", "claim_against")
SaleQueueFilter = simple(
    Sale,
    "channel",
    "number",
    extra={
        "number": django_filters.CharFilter(label=_("单号"), lookup_expr="icontains"),
        "channel": django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices[:2]),
    },
)
TradeCustomerFilter = simple(
    TradeCustomer,
    "name",
    extra={"name": django_filters.CharFilter(label=_("客户名称"), lookup_expr="icontains")},
)
DemandFilter = simple(PurchaseDemand, "status", "emergency")
TransferFilter = simple(Transfer, "status")
ReturnFilter = simple(ReturnOrder, "kind", "status")
StocktakeFilter = simple(Stocktake, "status")
WriteOffFilter = simple(WriteOff, "status", "reason")
SupplierFilter = simple(
    Supplier, "name", extra={"name": django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")}
)
