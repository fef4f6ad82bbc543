"""Vouchers (凭证) read from the ledger, and the store's account mapping (科目对照).

One voucher per posting, per store and business day, in date order:

- an open item (应收/应付) of a sale or settlement: 借 应收账款 (内部往来 for an internal repair, 其他应收款
  for a staff charge) / 贷 主营业务收入-<部门> (net) + 应交税费-销项税额 (VAT); with a cost, a second pair
  借 主营业务成本-<部门> / 贷 库存商品;
- an open item of a purchase (应付): 借 库存商品 (net) + 应交税费-进项税额 (VAT) / 贷 应付账款;
- a receipt (收款): 借 库存现金 (cash lines) / 银行存款 (card, transfer, WeChat, Alipay) / 贷 应收账款 for
  what it settled when taken and 预收账款 for the rest; a payment to a supplier (付款) the mirror
  (借 应付账款 + 预付账款 / 贷 库存现金·银行存款);
- a refund (退款) is the opposite flow with positive amounts: 借 预收账款 / 贷 库存现金·银行存款 (an AP
  refund: 借 银行存款 / 贷 预付账款);
- a reversal (冲销) of an item or a payment is a red-letter voucher (红字冲销): the same accounts on the same
  sides as the row it cancels, with negative amounts;
- an allocation made after its payment (the advance applied to an item later, or an item reversal giving a
  payment's allocation back) is a transfer: 借 预收账款 / 贷 应收账款 (借 应付账款 / 贷 预付账款), red-letter when
  negative, on the day it was made.

Receipts and transfers credit the account the item's receivable sits on (应收账款, 内部往来, 其他应收款).

Every voucher balances to the fen: the credit of a sale is its net amount and the VAT, and when the two do
not add up to the amount the revenue line takes the difference (the receivable is what the party owes)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.choices import DepartmentKind

from ..choices import DEFAULT_ACCOUNTS, AccountKey, Direction, ItemSource, Method, PartyKind, PaymentKind
from ..models import AccountMapping, Allocation, OpenItem, Payment, PaymentLine, VoucherExport

ZERO = Decimal("0")

REVENUE = {
    DepartmentKind.SERVICE: AccountKey.REVENUE_SERVICE,
    DepartmentKind.PARTS: AccountKey.REVENUE_PARTS,
    DepartmentKind.SALES: AccountKey.REVENUE_VEHICLE,
}
COST = {
    DepartmentKind.SERVICE: AccountKey.COST_SERVICE,
    DepartmentKind.PARTS: AccountKey.COST_PARTS,
    DepartmentKind.SALES: AccountKey.COST_VEHICLE,
}
# what the party's side of a receivable lands on, by source (default: 应收账款)
DEBTOR = {
    ItemSource.RO_INTERNAL: AccountKey.INTERNAL,
    ItemSource.STAFF_CHARGE: AccountKey.OTHER_RECEIVABLE,
}
# what the revenue side of a receivable lands on when not the department's sales (default: REVENUE)
INCOME = {ItemSource.FORFEIT: AccountKey.NONOP_INCOME}
# what a payment line's side lands on, by method (default: 银行存款)
MONEY = {Method.CASH: AccountKey.CASH, Method.TRADE_IN: AccountKey.USED_CARS}
SUPPLIER_KINDS = {PartyKind.SUPPLIER}


def money_key(method: str) -> str:
    """The account a payment line moves: the till, the bank, or the used-car stock a trade-in brings."""
    return MONEY.get(method, AccountKey.BANK)


# --- the account mapping ---------------------------------------------------------------------------


def account_map(store) -> dict[str, tuple[str, str]]:
    """{AccountKey: (code, name)} of the store: its own rows, else the defaults (企业会计准则). One query."""
    rows = {m.key: m for m in AccountMapping.objects.filter(store=store)}
    out = {}
    for key in AccountKey:
        row = rows.get(key.value)
        if row is not None:
            out[key.value] = (row.code, row.name or str(key.label))
        else:
            out[key.value] = (DEFAULT_ACCOUNTS[key], str(key.label))
    return out


def account_rows(store) -> list[dict]:
    """The mapping page's rows: every key with its code, name, default and whether finance changed it."""
    rows = {m.key: m for m in AccountMapping.objects.filter(store=store)}
    out = []
    for key in AccountKey:
        row = rows.get(key.value)
        out.append(
            {
                "key": key.value,
                "label": key.label,
                "code": row.code if row else DEFAULT_ACCOUNTS[key],
                "name": (row.name if row else "") or str(key.label),
                "default": DEFAULT_ACCOUNTS[key],
                "changed": row is not None,
            }
        )
    return out


# --- vouchers --------------------------------------------------------------------------------------


@dataclass
class VoucherLine:
    key: str
    code: str
    name: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    summary: str = ""
    customer: tuple[str, str] | None = None  # (code, name) of the party as a customer dimension
    supplier: tuple[str, str] | None = None
    method: str = ""
    reference: str = ""

    def as_dict(self) -> dict:
        return {
            "account_key": self.key,
            "account_code": self.code,
            "account_name": self.name,
            "debit": f"{self.debit:.2f}",
            "credit": f"{self.credit:.2f}",
            "summary": self.summary,
            "customer_code": self.customer[0] if self.customer else "",
            "supplier_code": self.supplier[0] if self.supplier else "",
            "party_name": (self.customer or self.supplier or ("", ""))[1],
            "method": self.method,
            "reference": self.reference,
        }


@dataclass
class Voucher:
    """One accounting voucher: a posting of the ledger as debit and credit lines."""

    store_id: int
    day: dt.date
    summary: str
    source: str  # "item", "payment" or "allocation" (a later allocation: 预收冲应收)
    source_id: int
    doc_number: str
    lines: list[VoucherLine] = field(default_factory=list)
    number: int = 0  # within its month, in the export

    @property
    def debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "date": self.day.isoformat(),
            "summary": self.summary,
            "source": self.source,
            "source_id": self.source_id,
            "doc_number": self.doc_number,
            "debit": f"{self.debit:.2f}",
            "credit": f"{self.credit:.2f}",
            "lines": [ln.as_dict() for ln in self.lines],
        }


def party_code(party) -> str:
    """The code a party carries into the accounting system's customer/supplier dimension."""
    return f"P{party.pk:06d}"


def _party_dims(party, key: str) -> dict:
    dim = (party_code(party), party.name)
    if key in (AccountKey.PAYABLE, AccountKey.ADVANCE_PAID) or party.kind in SUPPLIER_KINDS:
        return {"supplier": dim}
    if key in (AccountKey.RECEIVABLE, AccountKey.ADVANCE_RECEIVED, AccountKey.OTHER_RECEIVABLE):
        return {"customer": dim}
    return {}


class _Builder:
    def __init__(self, accounts: dict[str, tuple[str, str]]):
        self.accounts = accounts

    def line(self, key, *, debit=ZERO, credit=ZERO, summary="", party=None, **kw) -> VoucherLine:
        code, name = self.accounts[key]
        dims = _party_dims(party, key) if party is not None else {}
        return VoucherLine(
            key=key, code=code, name=name, debit=debit, credit=credit, summary=summary[:60], **dims, **kw
        )

    # an open item: a sale/settlement (应收) or a purchase (应付)
    def item(self, item: OpenItem) -> Voucher:
        what = item.get_source_display()
        number = item.doc_number or f"#{item.pk}"
        red = item.amount < 0
        head = (_("冲销") if red else "") + f"{what} {number} {item.party.name}"
        v = Voucher(item.store_id, item.posted_on, head[:60], "item", item.pk, item.doc_number)
        amount, tax = item.amount, item.tax_amount
        net = amount - tax  # the revenue (or stock) line takes what the VAT does not
        p = item.party
        if item.direction == Direction.PAYABLE:
            v.lines.append(self.line(AccountKey.INVENTORY, debit=net, summary=head))
            if tax:
                v.lines.append(self.line(AccountKey.INPUT_VAT, debit=tax, summary=head))
            v.lines.append(self.line(AccountKey.PAYABLE, credit=amount, summary=head, party=p))
            return v
        debtor = DEBTOR.get(item.source, AccountKey.RECEIVABLE)
        revenue = INCOME.get(item.source) or REVENUE.get(item.department, AccountKey.REVENUE_SERVICE)
        v.lines.append(self.line(debtor, debit=amount, summary=head, party=p))
        v.lines.append(self.line(revenue, credit=net, summary=head))
        if tax:
            v.lines.append(self.line(AccountKey.OUTPUT_VAT, credit=tax, summary=head))
        if item.cost_amount:
            cost = COST.get(item.department, AccountKey.COST_SERVICE)
            text = ((_("冲销") if red else "") + _("结转成本") + f" {number}")[:60]
            v.lines.append(self.line(cost, debit=item.cost_amount, summary=text))
            v.lines.append(self.line(AccountKey.INVENTORY, credit=item.cost_amount, summary=text))
        return v

    # a payment: receipt / payment out, refund, reversal
    def payment(self, pay: Payment) -> Voucher:
        ar = pay.direction == Direction.RECEIVABLE
        kind = pay.get_kind_display()
        verb = (_("收款") if ar else _("付款")) if pay.kind == PaymentKind.RECEIPT else kind
        head = f"{verb} {pay.number} {pay.party.name}"[:60]
        v = Voucher(pay.store_id, pay.business_date, head, "payment", pay.pk, pay.number)
        p = pay.party
        advance_key = AccountKey.ADVANCE_RECEIVED if ar else AccountKey.ADVANCE_PAID
        lines = list(pay.lines.all())
        if pay.kind == PaymentKind.REFUND:
            # money back out of the advance: the opposite flow, positive amounts
            total = -pay.amount
            money = [
                self.line(
                    money_key(ln.method),
                    summary=head,
                    method=ln.get_method_display(),
                    reference=ln.reference,
                    **({"credit": -ln.amount} if ar else {"debit": -ln.amount}),
                )
                for ln in lines
            ]
            adv = self.line(
                advance_key, summary=head, party=p, **({"debit": total} if ar else {"credit": total})
            )
            v.lines = [adv, *money] if ar else [*money, adv]
            return v
        own = own_allocations(pay)
        settled: dict[str, Decimal] = {}
        for a in own:
            key = debtor_key(a.item) if ar else AccountKey.PAYABLE
            settled[key] = settled.get(key, ZERO) + a.amount
        rest = pay.amount - sum(settled.values(), ZERO)
        money = [
            self.line(
                money_key(ln.method),
                summary=head,
                method=ln.get_method_display(),
                reference=ln.reference,
                **({"debit": ln.amount} if ar else {"credit": ln.amount}),
            )
            for ln in lines
        ]
        side = "credit" if ar else "debit"
        parts = [self.line(k, summary=head, party=p, **{side: amt}) for k, amt in settled.items() if amt]
        if rest:
            parts.append(self.line(advance_key, summary=head, party=p, **{side: rest}))
        v.lines = [*money, *parts] if ar else [*parts, *money]
        return v

    # an allocation made after its payment: the advance applied to an item (or given back by a reversal)
    def transfer(self, a: Allocation) -> Voucher:
        pay, item = a.payment, a.item
        ar = pay.direction == Direction.RECEIVABLE
        verb = (_("预收冲应收") if ar else _("预付冲应付")) if a.amount > 0 else _("核销转回")
        head = f"{verb} {item.doc_number or pay.number} {pay.party.name}"[:60]
        v = Voucher(a.store_id, timezone.localtime(a.at).date(), head, "allocation", a.pk, item.doc_number)
        p = pay.party
        if ar:
            v.lines = [
                self.line(AccountKey.ADVANCE_RECEIVED, debit=a.amount, summary=head, party=p),
                self.line(debtor_key(item), credit=a.amount, summary=head, party=p),
            ]
        else:
            v.lines = [
                self.line(AccountKey.PAYABLE, debit=a.amount, summary=head, party=p),
                self.line(AccountKey.ADVANCE_PAID, credit=a.amount, summary=head, party=p),
            ]
        return v


def debtor_key(item: OpenItem) -> str:
    """The account an item's receivable sits on (what a receipt or an advance settling it credits)."""
    return DEBTOR.get(item.source, AccountKey.RECEIVABLE)


def own_allocations(pay: Payment) -> list[Allocation]:
    """The allocations a payment's own voucher carries: a receipt's made when it was taken, a reversal's
    own (negative) ones. Every other allocation is a transfer voucher of its own (see ``TRANSFER``)."""
    if pay.kind == PaymentKind.REVERSAL:
        return [a for a in pay.allocations.all() if a.amount < 0]
    return [a for a in pay.allocations.all() if a.at == pay.at and a.amount > 0]


# allocations that are not part of their payment's voucher: made later (an advance applied, an item
# reversal undoing a payment's allocation), or on a reversal, those undoing it
TRANSFER = (
    (Q(payment__kind=PaymentKind.RECEIPT) & ~Q(at=F("payment__at")))
    | Q(payment__kind=PaymentKind.REVERSAL, amount__gt=0)
    | Q(payment__kind=PaymentKind.REFUND)
)


def _day_bounds(date_from, date_to):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def transfers_in(store, date_from, date_to, *, pending: bool = True) -> QuerySet[Allocation]:
    start, end = _day_bounds(date_from, date_to)
    qs = Allocation.objects.filter(TRANSFER, store=store, at__gte=start, at__lt=end).exclude(amount=0)
    if pending:
        qs = qs.filter(export__isnull=True)
    return transfers_for_vouchers(qs)


def transfers_for_vouchers(qs) -> QuerySet[Allocation]:
    return qs.select_related("payment__party", "item").order_by("at", "pk")


def items_in(store, date_from, date_to, *, pending: bool = True) -> QuerySet[OpenItem]:
    qs = OpenItem.objects.filter(store=store, posted_on__range=(date_from, date_to))
    if pending:
        qs = qs.filter(export__isnull=True)
    return qs.select_related("party").order_by("posted_on", "at", "pk")


def payments_in(store, date_from, date_to, *, pending: bool = True) -> QuerySet[Payment]:
    qs = Payment.objects.filter(store=store, business_date__range=(date_from, date_to))
    if pending:
        qs = qs.filter(export__isnull=True)
    return payments_for_vouchers(qs)


def payments_for_vouchers(qs) -> QuerySet[Payment]:
    return (
        qs.select_related("party")
        .prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.order_by("pk")),
            Prefetch("allocations", queryset=Allocation.objects.select_related("item").order_by("pk")),
        )
        .order_by("business_date", "at", "pk")
    )


ORDER = {"item": 0, "payment": 1, "allocation": 2}


def build_vouchers(items, payments, accounts, transfers=()) -> list[Voucher]:
    """The vouchers of these rows, by day (items, then payments, then later allocations within a day),
    numbered per month."""
    b = _Builder(accounts)
    out = [b.item(i) for i in items] + [b.payment(p) for p in payments] + [b.transfer(a) for a in transfers]
    out = [v for v in out if v.lines]
    out.sort(key=lambda v: (v.day, ORDER[v.source], v.source_id))
    seq: dict[tuple[int, int], int] = defaultdict(int)
    for v in out:
        seq[(v.day.year, v.day.month)] += 1
        v.number = seq[(v.day.year, v.day.month)]
    return out


def vouchers_between(store, date_from, date_to, *, pending: bool = True) -> list[Voucher]:
    """The store's vouchers of a date range (``pending``: only rows not yet exported)."""
    return build_vouchers(
        items_in(store, date_from, date_to, pending=pending),
        payments_in(store, date_from, date_to, pending=pending),
        account_map(store),
        transfers_in(store, date_from, date_to, pending=pending),
    )


def vouchers_of_export(export: VoucherExport) -> list[Voucher]:
    """The vouchers of the rows an export marked (those not exported again since)."""
    items = OpenItem.objects.filter(export=export).select_related("party").order_by("posted_on", "at", "pk")
    pays = payments_for_vouchers(Payment.objects.filter(export=export))
    transfers = transfers_for_vouchers(Allocation.objects.filter(export=export))
    return build_vouchers(items, pays, account_map(export.store), transfers)


def exports_for(user) -> QuerySet[VoucherExport]:
    return VoucherExport.objects.for_user(user).select_related("store", "created_by").order_by("-at", "-id")


def pending_counts(store, date_from, date_to) -> dict:
    """How many open items, payments and later allocations of the range are not exported yet."""
    start, end = _day_bounds(date_from, date_to)
    return {
        "transfers": Allocation.objects.filter(
            TRANSFER, store=store, at__gte=start, at__lt=end, export__isnull=True
        )
        .exclude(amount=0)
        .count(),
        "items": OpenItem.objects.filter(
            store=store, posted_on__range=(date_from, date_to), export__isnull=True
        ).count(),
        "payments": Payment.objects.filter(
            store=store, business_date__range=(date_from, date_to), export__isnull=True
        ).count(),
    }
