"""Voucher export (凭证导出) and the account mapping (科目对照).

- ``voucher_export``: the store's postings of a date range as vouchers, written as a ``VoucherExport`` row
  with counts and totals; every exported open item, payment and later allocation is marked with it, so exporting the same
  days again takes only what was not exported yet, unless ``again`` (重新导出) is asked for.
- ``voucher_workbook``: the vouchers as an .xlsx in a Kingdee or Yonyou import layout (see
  ``KINGDEE_COLUMNS`` and ``YONYOU_COLUMNS``).
- ``accounts_set``: finance sets the store's account code and name per kind of voucher line."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, display_name
from fours.core.errors import field_error
from fours.core.permissions import require_perm

from ..choices import AccountKey, VoucherFormat
from ..models import AccountMapping, Allocation, OpenItem, Payment, VoucherExport
from ..selectors.vouchers import (
    Voucher,
    account_map,
    build_vouchers,
    items_in,
    payments_for_vouchers,
    transfers_for_vouchers,
    transfers_in,
)

ZERO = Decimal("0")
MAX_DAYS = 366
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]*$")


# --- the account mapping ---------------------------------------------------------------------------


@transaction.atomic
def accounts_set(*, actor, store, rows: dict) -> list[AccountMapping]:
    """科目对照: ``rows`` is {AccountKey: (code, name)}. A code is letters, digits and . - _ (6602.01,
    22210102), at most 30 characters; a bad one is refused naming ``code_<key>``, nothing saved."""
    require_perm(actor, "finance.change_accountmapping")
    clean = {}
    for key, (code, name) in rows.items():
        if key not in AccountKey.values:
            raise field_error("key", _("科目用途不正确"), code="invalid_choice")
        code = (code or "").strip()
        name = (name or "").strip()
        if not code:
            raise field_error(f"code_{key}", _("请填写科目代码"), code="required")
        if len(code) > 30 or not CODE_RE.match(code):
            raise field_error(
                f"code_{key}", _("科目代码只能是数字、字母和 . - _（如 1122 或 6602.01）"), code="bad_format"
            )
        if len(name) > 60:
            raise field_error(f"name_{key}", _("科目名称最多60个字"), code="too_long")
        clean[key] = (code, name)
    current = {m.key: m for m in AccountMapping.objects.select_for_update().filter(store=store)}
    before = account_map(store)
    out, changes = [], {}
    for key, (code, name) in clean.items():
        if before[key] == (code, name or str(AccountKey(key).label)) and key not in current:
            continue  # the default, untouched
        row = current.get(key)
        if row is None:
            row = AccountMapping.objects.create(store=store, key=key, code=code, name=name)
        elif (row.code, row.name) != (code, name):
            row.code, row.name = code, name
            row.save(update_fields=["code", "name"])
        else:
            continue
        changes[key] = [before[key][0], code]
        out.append(row)
    if changes:
        audit_record(actor=actor, obj=store, store=store, verb="accounts_set", changes=changes)
    return out


# --- export ----------------------------------------------------------------------------------------


def _day(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise field_error(field, _("日期格式不正确"), code="bad_format") from None


def clean_range(date_from, date_to) -> tuple[dt.date, dt.date]:
    start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
    if end < start:
        raise field_error("date_to", _("截止日期不能早于起始日期"), code="out_of_range")
    if (end - start).days >= MAX_DAYS:
        raise field_error("date_to", _("一次最多导出366天"), code="out_of_range")
    return start, end


@transaction.atomic
def voucher_export(*, actor, store, date_from, date_to, format: str, again: bool = False) -> VoucherExport:
    """导出凭证: the postings of the range not exported yet (all of them with ``again``), marked with the
    new export. Nothing to export is refused; so is a voucher that does not balance (nothing marked)."""
    require_perm(actor, "finance.export_voucher")
    if format not in VoucherFormat.values:
        raise field_error("format", _("请选择导出格式"), code="invalid_choice")
    start, end = clean_range(date_from, date_to)
    pending = not again
    # lock the rows: two exports of the same days at once cannot both take them
    item_ids = list(
        items_in(store, start, end, pending=pending)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    pay_qs = Payment.objects.filter(store=store, business_date__range=(start, end))
    if pending:
        pay_qs = pay_qs.filter(export__isnull=True)
    pay_ids = list(pay_qs.select_for_update().order_by("pk").values_list("pk", flat=True))
    alloc_ids = list(
        transfers_in(store, start, end, pending=pending)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    if not item_ids and not pay_ids and not alloc_ids:
        raise field_error("date_from", _("所选日期内没有未导出的凭证"), code="nothing_to_export")
    items = OpenItem.objects.filter(pk__in=item_ids).select_related("party").order_by("posted_on", "at", "pk")
    pays = payments_for_vouchers(Payment.objects.filter(pk__in=pay_ids))
    transfers = transfers_for_vouchers(Allocation.objects.filter(pk__in=alloc_ids))
    vouchers = build_vouchers(items, pays, account_map(store), transfers)
    for v in vouchers:
        if not v.balanced:  # pragma: no cover - the builder balances every voucher (tested)
            raise field_error("date_from", _("凭证 %(s)s 借贷不平") % {"s": v.summary}, code="unbalanced")
    exp = VoucherExport.objects.create(
        store=store,
        format=format,
        date_from=start,
        date_to=end,
        again=bool(again),
        vouchers=len(vouchers),
        lines=sum(len(v.lines) for v in vouchers),
        debit=sum((v.debit for v in vouchers), ZERO),
        credit=sum((v.credit for v in vouchers), ZERO),
        created_by=actor,
    )
    OpenItem.objects.filter(pk__in=item_ids).update(export=exp)
    Payment.objects.filter(pk__in=pay_ids).update(export=exp)
    Allocation.objects.filter(pk__in=alloc_ids).update(export=exp)
    audit_record(
        actor=actor,
        obj=exp,
        verb="exported",
        changes={"vouchers": [None, exp.vouchers], "debit": [None, exp.debit]},
        note=f"{exp.get_format_display()} {start.isoformat()}–{end.isoformat()}",
    )
    return exp


# --- the import layouts ----------------------------------------------------------------------------

# 金蝶云星空 (K/3 Cloud) 总账 › 凭证 › 引入: sheet "凭证#单据头(FBillHead)", row 1 the field keys, row 2
# their captions, data from row 3; the header fields only on a voucher's first entry row.
KINGDEE_SHEET = "凭证#单据头(FBillHead)"
KINGDEE_COLUMNS = [
    ("FBillHead(GL_VOUCHER)", "*单据头(序号)"),
    ("FAccountBookID", "*(单据头)账簿#编码"),
    ("FAccountBookID#Name", "(单据头)账簿#名称"),
    ("FDate", "*(单据头)日期"),
    ("FBUSDATE", "(单据头)业务日期"),
    ("FYEAR", "(单据头)会计年度"),
    ("FPERIOD", "(单据头)期间"),
    ("FVOUCHERGROUPID", "*(单据头)凭证字#编码"),
    ("FVOUCHERGROUPID#Name", "(单据头)凭证字#名称"),
    ("FVOUCHERGROUPNO", "*(单据头)凭证号"),
    ("FATTACHMENTS", "(单据头)附件数"),
    ("FISADJUSTVOUCHER", "(单据头)是否调整期凭证"),
    ("FACCBOOKORGID", "*(单据头)核算组织#编码"),
    ("FACCBOOKORGID#Name", "(单据头)核算组织#名称"),
    ("FSourceBillKey", "(单据头)业务类型#编码"),
    ("FSourceBillKey#Name", "(单据头)业务类型#名称"),
    ("FIMPORTVERSION", "(单据头)引入版本号"),
    ("*Split*1", "间隔列"),
    ("FEntity", "*分录(序号)"),
    ("FEXPLANATION", "(分录)摘要"),
    ("FACCOUNTID", "*(分录)科目编码#编码"),
    ("FACCOUNTID#Name", "(分录)科目编码#名称"),
    ("FDetailID#FFlex6", "(分录)客户#编码"),
    ("FDetailID#FFlex6#Name", "(分录)客户#名称(Null)"),
    ("FDetailID#FFlex4", "(分录)供应商#编码"),
    ("FDetailID#FFlex4#Name", "(分录)供应商#名称(Null)"),
    ("FCURRENCYID", "*(分录)币别#编码"),
    ("FCURRENCYID#Name", "(分录)币别#名称"),
    ("FEXCHANGERATETYPE", "*(分录)汇率类型#编码"),
    ("FEXCHANGERATETYPE#Name", "(分录)汇率类型#名称"),
    ("FEXCHANGERATE", "(分录)汇率"),
    ("FUnitId", "(分录)单位#编码"),
    ("FUnitId#Name", "(分录)单位#名称"),
    ("FPrice", "(分录)单价"),
    ("FQty", "(分录)数量"),
    ("FAMOUNTFOR", "(分录)原币金额"),
    ("FDEBIT", "(分录)借方金额"),
    ("FCREDIT", "(分录)贷方金额"),
    ("FSettleTypeID", "(分录)结算方式#编码"),
    ("FSettleTypeID#Name", "(分录)结算方式#名称"),
    ("FSETTLENO", "(分录)结算号"),
    ("FBUSNO", "(分录)业务编号"),
    ("FEXPORTENTRYID", "(分录)现金流量#分录ID"),
]

# 用友 U8 总账 › 凭证 › 导入凭证 (Excel): one row per entry with the voucher's header repeated, row 1 the
# column titles, data from row 2; the 73 columns of U8's voucher table (GL_accvouch) in its order.
YONYOU_SHEET = "凭证"
YONYOU_COLUMNS = [
    "会计期间", "凭证类别字", "凭证类别排序号", "凭证编号", "行号", "制单日期", "附单据数", "制单人",
    "审核人", "记账人", "记账标志", "出纳人", "凭证标志", "凭证头自定义项1", "凭证头自定义项2", "摘要",
    "科目编码", "币种", "借方金额", "贷方金额", "外币借方金额", "外币贷方金额", "汇率", "数量借方",
    "数量贷方", "结算方式编码", "票号", "票号发生日期", "部门编码", "职员编码", "客户编码", "供应商编码",
    "项目编码", "项目大类编码", "业务员", "对方科目编码", "银行帐两清标志", "往来帐两清标志", "是否核销",
    "外部凭证帐套号", "外部凭证会计年度", "外部凭证系统名称", "外部凭证系统版本号", "外部凭证制单日期",
    "外部凭证会计期间", "外部凭证业务类型", "外部凭证业务号", "日期", "标志", "外部凭证单据号",
    "凭证是否可修改", "凭证分录是否可增删", "凭证合计金额是否保值", "分录数值是否可修改",
    "分录科目是否可修改", "分录受控科目可用状态", "分录往来项是否可修改", "分录部门是否可修改",
    "分录项目是否可修改", "分录往来项是否必输", "自定义字段1", "自定义字段2", "自定义字段3",
    "自定义字段4", "自定义字段5", "自定义字段6", "自定义字段7", "自定义字段8", "自定义字段9",
    "自定义字段10", "现金项目编号", "现金借方", "现金贷方",
]  # fmt: skip

VOUCHER_WORD = "记"  # 记账凭证; K3 Cloud's preset 凭证字 PRE001
MONEY_FORMAT = "0.00"


def _kingdee_rows(vouchers: list[Voucher], store, maker: str):
    keys = [k for k, _c in KINGDEE_COLUMNS]
    for seq, v in enumerate(vouchers, start=1):
        for n, ln in enumerate(v.lines, start=1):
            row = dict.fromkeys(keys)
            if n == 1:
                row.update(
                    {
                        "FBillHead(GL_VOUCHER)": str(seq),
                        "FAccountBookID": store.code,
                        "FAccountBookID#Name": store.name,
                        "FDate": v.day,
                        "FBUSDATE": v.day,
                        "FYEAR": v.day.year,
                        "FPERIOD": v.day.month,
                        "FVOUCHERGROUPID": "PRE001",
                        "FVOUCHERGROUPID#Name": VOUCHER_WORD,
                        "FVOUCHERGROUPNO": v.number,
                        "FATTACHMENTS": 0,
                        "FISADJUSTVOUCHER": "False",
                        "FACCBOOKORGID": store.code,
                        "FACCBOOKORGID#Name": store.name,
                    }
                )
            amount = ln.debit if ln.debit else ln.credit
            row.update(
                {
                    "FEntity": n,
                    "FEXPLANATION": ln.summary,
                    "FACCOUNTID": ln.code,
                    "FACCOUNTID#Name": ln.name,
                    "FDetailID#FFlex6": ln.customer[0] if ln.customer else None,
                    "FDetailID#FFlex6#Name": ln.customer[1] if ln.customer else None,
                    "FDetailID#FFlex4": ln.supplier[0] if ln.supplier else None,
                    "FDetailID#FFlex4#Name": ln.supplier[1] if ln.supplier else None,
                    "FCURRENCYID": "PRE001",
                    "FCURRENCYID#Name": "人民币",
                    "FEXCHANGERATETYPE": "HLTX01_SYS",
                    "FEXCHANGERATETYPE#Name": "固定汇率",
                    "FEXCHANGERATE": 1,
                    "FAMOUNTFOR": amount,
                    "FDEBIT": ln.debit if ln.debit else None,
                    "FCREDIT": ln.credit if ln.credit else None,
                    "FSETTLENO": ln.reference or None,
                    "FBUSNO": v.doc_number or None,
                }
            )
            yield [row[k] for k in keys]


def _yonyou_rows(vouchers: list[Voucher], store, maker: str):
    for v in vouchers:
        for n, ln in enumerate(v.lines, start=1):
            row = dict.fromkeys(YONYOU_COLUMNS)
            row.update(
                {
                    "会计期间": v.day.month,
                    "凭证类别字": VOUCHER_WORD,
                    "凭证类别排序号": 1,
                    "凭证编号": v.number,
                    "行号": n,
                    "制单日期": v.day,
                    "附单据数": 0,
                    "制单人": maker,
                    "摘要": ln.summary,
                    "科目编码": ln.code,
                    "借方金额": ln.debit,
                    "贷方金额": ln.credit,
                    "外币借方金额": ZERO,
                    "外币贷方金额": ZERO,
                    "数量借方": 0,
                    "数量贷方": 0,
                    "票号": ln.reference or None,
                    "客户编码": ln.customer[0] if ln.customer else None,
                    "供应商编码": ln.supplier[0] if ln.supplier else None,
                    "是否核销": 0,
                    "外部凭证系统名称": "Fours",
                    "外部凭证制单日期": v.day,
                    "外部凭证会计年度": v.day.year,
                    "外部凭证会计期间": v.day.month,
                    "外部凭证业务号": v.doc_number or None,
                    "日期": v.day,
                    "自定义字段1": (ln.customer or ln.supplier or (None, None))[1],
                }
            )
            yield [row[k] for k in YONYOU_COLUMNS]


def voucher_workbook(vouchers: list[Voucher], *, store, format: str, maker: str = "") -> bytes:
    """The vouchers as an .xlsx in the import layout of ``format`` (金蝶云星空 or 用友 U8)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if format == VoucherFormat.KINGDEE:
        ws.title = KINGDEE_SHEET
        ws.append([k for k, _c in KINGDEE_COLUMNS])
        ws.append([c for _k, c in KINGDEE_COLUMNS])
        rows, keys = _kingdee_rows(vouchers, store, maker), [k for k, _c in KINGDEE_COLUMNS]
        money = {keys.index(k) + 1 for k in ("FAMOUNTFOR", "FDEBIT", "FCREDIT")}
        dates = {keys.index(k) + 1 for k in ("FDate", "FBUSDATE")}
    else:
        ws.title = YONYOU_SHEET
        ws.append(YONYOU_COLUMNS)
        rows, keys = _yonyou_rows(vouchers, store, maker), YONYOU_COLUMNS
        money = {keys.index(k) + 1 for k in ("借方金额", "贷方金额", "外币借方金额", "外币贷方金额")}
        dates = {keys.index(k) + 1 for k in ("制单日期", "外部凭证制单日期", "日期")}
    text = {keys.index(k) + 1 for k in keys if k in ("FACCOUNTID", "科目编码", "FBillHead(GL_VOUCHER)")}
    r = ws.max_row  # the header rows; then one row per entry (``ws.max_row`` scans every cell: not per row)
    for values in rows:
        ws.append(values)
        r += 1
        for c in money:
            ws.cell(row=r, column=c).number_format = MONEY_FORMAT
        for c in dates:
            ws.cell(row=r, column=c).number_format = "yyyy-mm-dd"
        for c in text:
            ws.cell(row=r, column=c).number_format = "@"  # account codes keep their leading zeros
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_file(export: VoucherExport) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of an export: its vouchers rebuilt from the rows it marked."""
    from ..selectors.vouchers import vouchers_of_export

    vouchers = vouchers_of_export(export)
    data = voucher_workbook(
        vouchers, store=export.store, format=export.format, maker=display_name(export.created_by)
    )
    name = f"凭证_{export.get_format_display()}_{export.store.code}_{export.date_from:%Y%m%d}-{export.date_to:%Y%m%d}_{export.pk}.xlsx"
    return name, data
