"""Demo data of 金融保险, made through the F&I services on dated steps (the clock frozen at each):

- per store two banks, a finance company and a guarantor with their loan products, and three insurers
  with their new-car products, each with its commission rate (registered two and a half months ago);
- every evening of the last two months the F&I desk works the day's orders: an order paid by loan (按揭)
  gets its application the day the manager authorised it, the 五大件 scanned and checked, submitted the
  next day, approved by the bank three days later (the order's receivable split between the customer
  and the bank) and disbursed three days after that (the cashier takes the bank's transfer against its
  item, then the specialist records the disbursement and the commission is posted); one file in eight
  is rejected by the bank; the newest loans are left collecting, at the bank or waiting for the money;
- a new-car policy for most orders the day after the deposit (已下定), its commission a receivable from
  the insurer; once an order is delivered its policies reach the archive vehicle (insurer and expiry).

Steps that the orders' own history does not allow (an order already cancelled or delivered) are
skipped. Idempotent: a store with products already is left as it is."""

from __future__ import annotations

import base64
import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role

DAYS = 62
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
# (kind, partner, products [(name, months, rate %, commission %)])
LOAN_PARTNERS = (
    (
        "bank",
        "中国工商银行广州天河支行",
        (("信用卡汽车分期36期", 36, "0.00", "3.00"), ("汽车消费贷24期", 24, "3.85", "2.00")),
    ),
    ("bank", "招商银行广州分行", (("车贷36期", 36, "3.60", "2.50"),)),
    (
        "finco",
        "丰田汽车金融（中国）有限公司",
        (("厂家贴息贷款36期", 36, "0.99", "1.50"), ("弹性尾款60期", 60, "4.50", "3.50")),
    ),
    ("guarantor", "广州融通汽车担保有限公司", (("担保分期24期", 24, "5.20", "4.00"),)),
)
INSURERS = (
    ("中国人民财产保险广州分公司", "PDAA", "12.00"),
    ("中国平安财产保险广州分公司", "PA", "13.50"),
    ("中国太平洋财产保险广州分公司", "CPIC", "11.00"),
)


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load(ctx) -> None:
    """Add this area's demo rows to every demo store of ctx."""
    from .models import Product

    today = timezone.localdate()
    for n, store in enumerate(ctx.stores):
        if Product.objects.filter(store=store).exists():
            continue
        fi_user = ctx.users.get((store.code, Role.FINANCE_INSURANCE))
        # the bank's transfer is recorded at the desk by the store's cashier (结算员), who hands the day over
        cashier = ctx.users.get((store.code, Role.CASHIER))
        if fi_user is None or cashier is None:
            continue
        state = {
            "store": store,
            "fi": fi_user,
            "cashier": cashier,
            "rnd": random.Random(8800 + n),
            "n": 0,
            "today": today,
        }
        ctx.at(_aware(today - dt.timedelta(days=DAYS + 14), 9), lambda st=state: _partners(st))
        real_now = timezone.now()
        for back in range(DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            # today's evening has not come yet: today's work is done a little before now
            when = min(_aware(day, 17, 30), real_now - dt.timedelta(minutes=5))
            ctx.at(when, lambda st=state, d=day: _desk_day(ctx, st, d))


def _partners(st) -> None:
    from .choices import ProductKind
    from .services.fi import partner_create, product_save

    store, actor = st["store"], st["fi"]
    brand = (store.brands or "").split(",")[0].strip() or "丰田"
    loans, insurance = [], []
    for kind, name, products in LOAN_PARTNERS:
        name = name.replace("丰田", brand)
        partner = partner_create(actor=actor, store=store, kind=kind, name=name, payment_days=15)
        for pname, months, rate, pct in products:
            loans.append(
                product_save(
                    actor=actor,
                    store=store,
                    partner=partner,
                    kind=ProductKind.LOAN,
                    name=pname,
                    term_months=months,
                    rate_pct=rate,
                    commission_pct=pct,
                )
            )
    for name, code, pct in INSURERS:
        partner = partner_create(actor=actor, store=store, kind="insurer", name=name, payment_days=30)
        p = product_save(
            actor=actor,
            store=store,
            partner=partner,
            kind=ProductKind.INSURANCE,
            name="新车商业险+交强险",
            commission_pct=pct,
        )
        p.code = code
        insurance.append(p)
    st["loans"], st["insurance"] = loans, insurance


def _try(ctx, st, what: str, fn) -> object:
    """One step of the desk in its own savepoint: a refusal the orders' history causes is logged and skipped."""
    try:
        with transaction.atomic():
            return fn()
    except (BusinessError, PermissionDenied) as err:
        ctx.log(f"fi: {st['store'].code} {what}: {err}")
        return None


def _desk_day(ctx, st, day: dt.date) -> None:
    """The F&I desk's evening: new files, submissions, the banks' answers and money, policies."""
    from .choices import LoanStatus, OrderStatus, PayPlan
    from .models import LoanApplication, VehicleOrder
    from .services import fi

    if "loans" not in st:
        return
    store, actor, rnd = st["store"], st["fi"], st["rnd"]
    now = timezone.now()
    orders = VehicleOrder.objects.filter(store=store, authorised_at__isnull=False, authorised_at__lte=now)
    # new files: the loan orders the manager authorised today
    start = _aware(day, 0)
    for order in orders.filter(
        pay_plan=PayPlan.LOAN, authorised_at__gte=start, status__in=fi.LOAN_ORDER_STATUSES
    ).exclude(loans__status__in=fi.LIVE_LOAN):
        product = rnd.choice(st["loans"])
        share = Decimal(rnd.choice(("0.50", "0.60", "0.70")))
        # of what the customer owes once a trade-in paid its part, to the thousand yuan
        amount = ((order.total - order.trade_in_value) * share / 1000).quantize(Decimal("1")) * 1000
        loan = _try(
            ctx,
            st,
            order.number,
            lambda o=order, p=product, a=amount: fi.loan_create(actor=actor, order=o, product=p, amount=a),
        )
        if loan is None:
            continue
        papers = fi.LoanDoc.five()
        if day == st["today"]:  # today's newest file still lacks its bank statement
            papers = papers[:-1]
        for kind in papers:
            _try(
                ctx,
                st,
                loan.number,
                lambda k=kind, lo=loan: fi.loan_document_add(
                    actor=actor, loan=lo, kind=k, file=ContentFile(PNG, name=f"{k}.png")
                ),
            )
    loans = LoanApplication.objects.filter(store=store).select_related("order", "product")
    for loan in loans.filter(status=LoanStatus.COLLECTING, created_at__lt=start):
        if not fi.missing_papers(loan):
            _try(ctx, st, loan.number, lambda lo=loan: fi.loan_submit(actor=actor, loan=lo))
    for loan in loans.filter(status=LoanStatus.SUBMITTED, submitted_at__lt=start - dt.timedelta(days=2)):
        st["n"] += 1
        if st["n"] % 8 == 0:
            _try(
                ctx,
                st,
                loan.number,
                lambda lo=loan: fi.loan_reject(actor=actor, loan=lo, reason="客户征信记录不良"),
            )
        else:
            _try(ctx, st, loan.number, lambda lo=loan: fi.loan_approve(actor=actor, loan=lo))
    for loan in loans.filter(status=LoanStatus.APPROVED, decided_at__lt=start - dt.timedelta(days=2)):
        _try(ctx, st, loan.number, lambda lo=loan: _bank_pays(st, lo))
    # policies: the day after the deposit, most customers insure with the store
    for order in orders.filter(
        ordered_at__isnull=False,
        ordered_at__lt=start,
        status__in=fi.LOAN_ORDER_STATUSES + (OrderStatus.DELIVERED,),
    ).exclude(policies__isnull=False):
        if order.pk % 7 == 3:  # insures elsewhere
            continue
        product = st["insurance"][order.pk % len(st["insurance"])]
        premium = (order.total * Decimal("0.032") + Decimal("950")).quantize(Decimal("1"))
        covers = [
            {"kind": "compulsory"},
            {"kind": "damage", "amount": str(order.total)},
            {"kind": "third_party", "amount": "1000000"},
        ]
        if order.pk % 3 == 0:
            covers.append({"kind": "seat", "amount": "10000"})
        _try(
            ctx,
            st,
            order.number,
            lambda o=order, p=product, pr=premium, c=covers: fi.policy_create(
                actor=actor,
                store=store,
                product=p,
                order=o,
                policy_no=f"{p.code}{day:%Y%m%d}{o.pk:05d}",
                covers=c,
                premium=pr,
                starts_on=day,
            ),
        )
    for order in (
        orders.filter(status=OrderStatus.DELIVERED, archive_vehicle__isnull=False)
        .filter(policies__vehicle__isnull=True, policies__isnull=False)
        .distinct()
    ):
        _try(ctx, st, order.number, lambda o=order: fi.policies_to_archive(actor=actor, order=o))


def _bank_pays(st, loan) -> None:
    """The bank's transfer taken at the desk against its item, then the disbursement recorded."""
    from fours.finance.choices import Method
    from fours.finance.services import payment_take

    from .services import fi

    item = fi.bank_item(loan)
    if item is not None and item.open_amount > 0:
        payment_take(
            actor=st["cashier"],
            store=st["store"],
            party=item.party,
            lines=[(Method.TRANSFER, item.open_amount, f"放款{loan.number}")],
            allocations=[(item, item.open_amount)],
            note=f"按揭放款 {loan.order.number}",
        )
    fi.loan_disburse(actor=st["fi"], loan=loan)
