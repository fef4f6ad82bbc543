from django.urls import include, path
from django.views.generic import RedirectView

from fours.core.routes import document_paths

from . import views

patterns = [
    path("", RedirectView.as_view(pattern_name="parts:dashboard"), name="index"),
    *document_paths(
        "catalog",
        "part",
        list_view=views.PartListView,
        create=views.PartFormView,
        detail=views.PartDetailView,
        edit=views.PartFormView,
        pages={"settings": views.PartSettingView},
    ),
    path("catalog/<int:pk>/card/", views.stock_card, name="stock-card"),
    path("search/", views.part_search, name="part-search"),
    path("moves/<int:pk>/reverse/", views.move_reverse, name="move-reverse"),
    path("stock/", views.BalanceListView.as_view(), name="balance-list"),
    path("moves/", views.MoveListView.as_view(), name="move-list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("group/", views.group_view, name="group-view"),
    path("import/", views.price_import, name="price-import"),
    path("import/<int:pk>/", views.price_import_job, name="price-import-job"),
    path("bins/", views.bin_list, name="bin-list"),
    *document_paths(
        "suppliers",
        "supplier",
        list_view=views.SupplierListView,
        create=views.supplier_create,
        detail=views.SupplierDetailView,
    ),
    # sales
    path("sales/counter/", views.sale_create, {"channel": "counter"}, name="sale-create"),
    path("sales/wholesale/", views.sale_create, {"channel": "wholesale"}, name="wholesale-create"),
    *document_paths(
        "sales",
        "sale",
        list_view=views.SaleListView,
        detail=views.SaleDetailView,
        pages={
            "post": views.sale_post,
            "issue": views.sale_issue,
            "cancel": views.sale_cancel,
            "invoice": views.sale_invoice,
            "deliver": views.sale_deliver,
            "print": views.sale_print,
            "picklist": views.sale_picklist,
        },
    ),
    path("issue-queue/", views.IssueQueueView.as_view(), name="issue-queue"),
    *document_paths(
        "trade-customers",
        "tradecustomer",
        list_view=views.TradeCustomerListView,
        create=views.tradecustomer_form,
        edit=views.tradecustomer_form,
    ),
    *document_paths(
        "transfers",
        "transfer",
        list_view=views.TransferListView,
        create=views.transfer_create,
        detail=views.TransferDetailView,
        act=views.transfer_act,
    ),
    *document_paths(
        "returns",
        "return",
        list_view=views.ReturnListView,
        create=views.return_create,
        detail=views.ReturnDetailView,
        pages={"resolve": views.return_resolve},
    ),
    # purchasing
    path("demands/", views.DemandListView.as_view(), name="demand-list"),
    path("plans/propose/", views.plan_propose, name="plan-propose"),
    *document_paths(
        "plans", "plan", list_view=views.PlanListView, detail=views.PlanDetailView, act=views.plan_act
    ),
    *document_paths(
        "orders",
        "po",
        list_view=views.POListView,
        create=views.po_create,
        detail=views.PODetailView,
        pages={"print": views.po_print, "approve": views.po_approve, "close": views.po_close},
    ),
    path("orders/<int:pk>/receive/", views.receipt_create, name="receipt-create"),
    *document_paths("receipts", "receipt", list_view=views.ReceiptListView, detail=views.ReceiptDetailView),
    *document_paths(
        "discrepancies",
        "discrepancy",
        list_view=views.DiscrepancyListView,
        detail=views.DiscrepancyDetailView,
        act=views.discrepancy_act,
    ),
    # stocktake and write-off
    *document_paths(
        "stocktakes",
        "stocktake",
        list_view=views.StocktakeListView,
        create=views.stocktake_create,
        detail=views.StocktakeDetailView,
        pages={"sheet": views.stocktake_sheet, "entry": views.count_entry},
        act=views.stocktake_act,
    ),
    *document_paths(
        "writeoffs",
        "writeoff",
        list_view=views.WriteOffListView,
        create=views.writeoff_create,
        detail=views.WriteOffDetailView,
        pages={"print": views.writeoff_print},
        act=views.writeoff_act,
    ),
]

# Everything lives in the "parts" namespace (the app_name of the inner include below); the picker endpoint also has the plain name "parts-search"
# (GET /parts/search/?q=) that other apps' templates use.
urlpatterns = [
    path("search/", views.part_search, name="parts-search"),
    path("", include((patterns, "parts"))),
]
