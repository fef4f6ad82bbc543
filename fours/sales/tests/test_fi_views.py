# ruff: noqa: F403, F405
"""F&I pages and API as the roles see them: the specialist registers partners and products, opens a loan,
uploads the file, is refused submitting an incomplete one, approves, sees the disbursement refused until
the cashier took the bank's payment; policies; the daily list, the statistics and the home widgets."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from fours.finance.choices import ItemSource, PartyKind
from fours.finance.models import OpenItem
from fours.finance.selectors import desk as desk_sel
from fours.sales.choices import LoanDoc, LoanStatus
from fours.sales.models import LoanApplication, Policy, Product
from fours.sales.services import fi

from .factories_fi import *  # fixtures and helpers of the F&I tests

D = Decimal


def test_products_page_registers_a_partner_and_a_product(client_for, fi_user, store_a):
    c = client_for(fi_user)
    url = reverse("sales:fi_products")
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "form": "partner",
            "partner-kind": PartyKind.BANK,
            "partner-name": "招商银行",
            "partner-payment_days": 30,
        },
    )
    assert r.status_code == 302
    bank = fi.partners(store_a).get(name="招商银行")
    r = c.post(
        url,
        {
            "form": "product",
            "product-partner": bank.pk,
            "product-kind": "loan",
            "product-name": "招行车贷24期",
            "product-term_months": 24,
            "product-commission_pct": "1.8",
            "product-active": "on",
        },
    )
    assert r.status_code == 302
    p = Product.objects.get(name="招行车贷24期")
    assert p.commission_pct == D("1.80")
    page = c.get(url).content.decode()
    assert "招行车贷24期" in page and "招商银行" in page


def test_products_page_shows_no_forms_to_a_consultant(client_for, consultant, store_a):
    c = client_for(consultant)
    page = c.get(reverse("sales:fi_products")).content.decode()
    assert "登记合作机构" not in page
    assert c.post(reverse("sales:fi_products"), {"form": "partner"}).status_code == 403


def test_the_loan_walk_through_the_pages(client_for, fi_user, cashier, order, loan_prod):
    c = client_for(fi_user)
    r = c.get(reverse("sales:fi_loan_create") + f"?order={order.pk}")
    assert r.status_code == 200 and order.number in r.content.decode()
    r = c.post(
        reverse("sales:fi_loan_create"),
        {"order": order.pk, "product": loan_prod.pk, "amount": "120000", "term_months": "36"},
    )
    loan = LoanApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("sales:loan_detail", args=[loan.pk])
    page = c.get(r["Location"]).content.decode()
    assert "资料清单（五大件）" in page and "提交银行" in page
    for kind in LoanDoc.five()[:-1]:
        c.post(
            reverse("sales:fi_loan_document", args=[loan.pk]),
            {"kind": kind, "file": scan(f"{kind}.jpg"), "checked": "on"},
        )
    assert loan.documents.count() == 4
    r = c.post(reverse("sales:fi_loan_step", args=[loan.pk, "submitted"]), follow=True)
    assert "五大件不齐" in r.content.decode() and "银行流水" in r.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.COLLECTING
    c.post(
        reverse("sales:fi_loan_document", args=[loan.pk]),
        {"kind": LoanDoc.BANK_STATEMENT, "file": scan("b.pdf"), "checked": "on"},
    )
    c.post(reverse("sales:fi_loan_step", args=[loan.pk, "submitted"]))
    c.post(reverse("sales:fi_loan_step", args=[loan.pk, "approved"]), {"approved_amount": "120000"})
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    # the scans are served only through the logged-in upload view
    doc = loan.documents.first()
    assert c.get(doc.file.url).status_code == 200
    r = c.post(reverse("sales:fi_loan_step", args=[loan.pk, "disbursed"]), follow=True)
    assert "银行尚未放款" in r.content.decode()
    pay(cashier, order, "120000", source=ItemSource.VEHICLE_LOAN)
    c.post(reverse("sales:fi_loan_step", args=[loan.pk, "disbursed"]))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DISBURSED and loan.commission == D("2400.00")
    page = c.get(reverse("sales:loan_detail", args=[loan.pk])).content.decode()
    assert "金融保险佣金" in page and "¥2,400.00" in page


def test_a_consultant_sees_the_loan_without_its_buttons(client_for, fi_user, consultant, order, loan_prod):
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    page = client_for(consultant).get(reverse("sales:loan_detail", args=[loan.pk])).content.decode()
    assert order.number in page
    assert "step-submitted" not in page and "上传" not in page
    r = client_for(consultant).post(reverse("sales:fi_loan_step", args=[loan.pk, "submitted"]), follow=True)
    assert "您的岗位不能执行此操作" in r.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.COLLECTING


def test_a_cashier_may_not_open_the_loans(client_for, cashier):
    assert client_for(cashier).get(reverse("sales:fi_loans")).status_code == 403


def test_another_stores_loan_is_a_404(client_for, make_user, store_b, fi_user, order, loan_prod):
    from fours.core.roles import Role

    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    other = make_user(Role.FINANCE_INSURANCE, store_b, "fi_b")
    assert client_for(other).get(reverse("sales:loan_detail", args=[loan.pk])).status_code == 404


def test_policy_form_records_the_policy(client_for, fi_user, order, ins_prod):
    c = client_for(fi_user)
    assert c.get(reverse("sales:fi_policy_create")).status_code == 200
    r = c.post(
        reverse("sales:fi_policy_create"),
        {
            "order": order.pk,
            "product": ins_prod.pk,
            "policy_no": "PDAA001",
            "covers": ["compulsory", "damage"],
            "damage_amount": "200000",
            "premium": "6800",
            "starts_on": "2026-03-01",
        },
    )
    p = Policy.objects.get()
    assert r.status_code == 302 and p.commission == D("816.00")
    page = c.get(reverse("sales:fi_policy_detail", args=[p.pk])).content.decode()
    assert "车损险" in page and "¥200,000.00" in page
    listing = c.get(reverse("sales:fi_policies")).content.decode()
    assert "PDAA001" in listing
    r = c.post(
        reverse("sales:fi_policy_create"),
        {
            "order": order.pk,
            "product": ins_prod.pk,
            "policy_no": "PDAA002",
            "premium": "100",
            "starts_on": "2026-03-01",
        },
    )
    assert r.status_code == 200 and "请至少选择一个险种" in r.content.decode()
    assert Policy.objects.count() == 1


def test_daily_list_stats_and_home(client_for, fi_user, cashier, order, loan_prod, ins_prod):
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="120000")
    full_file(loan, fi_user)
    fi.loan_submit(actor=fi_user, loan=loan)
    fi.loan_approve(actor=fi_user, loan=loan)
    pay(cashier, order, "120000", source=ItemSource.VEHICLE_LOAN)
    fi.loan_disburse(actor=fi_user, loan=loan)
    fi.policy_create(
        actor=fi_user,
        store=order.store,
        product=ins_prod,
        order=order,
        policy_no="P9",
        covers=["compulsory"],
        premium="950",
        starts_on=today(),
    )
    c = client_for(fi_user)
    page = c.get(reverse("sales:fi_daily")).content.decode()
    assert loan.number in page and "P9" in page and "放款到账" in page
    page = c.get(reverse("sales:fi_stats")).content.decode()
    assert "工商银行" in page and "人保财险" in page and "¥2,514.00" in page  # 2,400 + 114
    home = c.get("/").content.decode()
    assert "我的按揭：收集资料" in home and "本月金融保险佣金" in home


def test_bank_items_are_collected_by_party_at_the_desk(
    client_for, fi_user, cashier, order, loan_prod, store_a
):
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="120000")
    full_file(loan, fi_user)
    fi.loan_submit(actor=fi_user, loan=loan)
    fi.loan_approve(actor=fi_user, loan=loan)
    bank = fi.bank_item(loan)
    parties = {p["id"] for p in desk_sel.collect_parties(store_a)}
    assert bank.party_id in parties
    page = client_for(cashier).get(reverse("finance:desk") + f"?item={bank.pk}").content.decode()
    assert "工商银行" in page


def test_the_desk_queue_finds_the_bank_item_by_the_order_number(fi_user, order, loan_prod, store_a):
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="120000")
    full_file(loan, fi_user)
    fi.loan_submit(actor=fi_user, loan=loan)
    fi.loan_approve(actor=fi_user, loan=loan)
    assert fi.bank_item(loan).pk in {i.pk for i in desk_sel.desk_queue(store_a, order.number)}


# --- API -------------------------------------------------------------------------------------------


def test_api_loan_steps_answer_with_the_refusals_code(api_for, fi_user, cashier, order, loan_prod):
    api = api_for(fi_user)
    r = api.post(
        "/api/v1/sales/loans/",
        {"order": order.pk, "product": loan_prod.pk, "amount": "120000"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert set(r.json()["missing"]) == set(LoanDoc.five())
    r = api.post(f"/api/v1/sales/loans/{pk}/submit/")
    assert r.status_code == 400 and r.json()["error"]["code"] == "documents_missing"
    for kind in LoanDoc.five():
        r = api.post(
            f"/api/v1/sales/loans/{pk}/documents/", {"kind": kind, "file": scan()}, format="multipart"
        )
        assert r.status_code == 200, r.content
    assert api.post(f"/api/v1/sales/loans/{pk}/submit/").json()["status"] == "submitted"
    r = api.post(f"/api/v1/sales/loans/{pk}/approve/", {"approved_amount": "100000"}, format="json")
    assert r.json()["approved_amount"] == "100000.00"
    r = api.post(f"/api/v1/sales/loans/{pk}/disburse/")
    assert r.status_code == 400 and r.json()["error"]["code"] == "unpaid"
    pay(cashier, order, "100000", source=ItemSource.VEHICLE_LOAN)
    assert api.post(f"/api/v1/sales/loans/{pk}/disburse/").json()["status"] == "disbursed"
    assert api.get("/api/v1/sales/loans/?status=disbursed").json()["count"] == 1


def test_api_policy_create_and_list(api_for, fi_user, order, ins_prod, consultant):
    api = api_for(fi_user)
    body = {
        "order": order.pk,
        "product": ins_prod.pk,
        "policy_no": "API001",
        "covers": [{"kind": "compulsory"}, {"kind": "third_party", "amount": "1000000"}],
        "premium": "4200",
        "starts_on": "2026-03-01",
    }
    r = api.post("/api/v1/sales/policies/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["commission"] == "504.00" and r.json()["expires_on"] == "2027-02-28"
    r = api.post("/api/v1/sales/policies/", body, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "duplicate"
    assert OpenItem.objects.filter(source=ItemSource.COMMISSION).count() == 1
    assert api_for(consultant).get("/api/v1/sales/policies/").json()["count"] == 1
    assert api_for(consultant).post("/api/v1/sales/policies/", body, format="json").status_code == 403


def test_product_edit_and_the_bank_account_link(client_for, fi_user, order, loan_prod):
    c = client_for(fi_user)
    url = reverse("sales:fi_product_edit", args=[loan_prod.pk])
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "partner": loan_prod.partner_id,
            "kind": "loan",
            "name": loan_prod.name,
            "term_months": 24,
            "commission_pct": "2.5",
            "active": "",
        },
    )
    assert r.status_code == 302
    loan_prod.refresh_from_db()
    assert loan_prod.commission_pct == D("2.50") and not loan_prod.active and loan_prod.term_months == 24
    loan_prod.active = True
    loan_prod.save()
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    full_file(loan, fi_user)
    fi.loan_submit(actor=fi_user, loan=loan)
    fi.loan_approve(actor=fi_user, loan=loan)
    page = c.get(reverse("sales:loan_detail", args=[loan.pk])).content.decode()
    assert reverse("finance:party-detail", args=[loan_prod.partner_id]) in page


def test_my_loan_tiles_open_a_list_of_that_many_rows(
    client_for, make_user, fi_user, store_a, consultant, loan_prod
):
    from fours.core.roles import Role

    other = make_user(Role.FINANCE_INSURANCE, store_a, "fi_a2")
    fi.loan_create(actor=fi_user, order=order_of(store_a, consultant), product=loan_prod, amount="100000")
    fi.loan_create(actor=other, order=order_of(store_a, consultant), product=loan_prod, amount="100000")
    c = client_for(fi_user)
    assert "我的按揭：收集资料" in c.get("/").content.decode()
    page = c.get(reverse("sales:fi_loans") + "?status=collecting&mine=true").content.decode()
    assert "共 1 条" in page


def order_of(store, consultant):
    return authorised_order(store, consultant)
