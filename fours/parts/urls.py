from django.urls import include, path
from django.views.generic import RedirectView

from . import views

patterns = [
    path("", RedirectView.as_view(pattern_name="parts:dashboard"), name="index"),
    path("catalog/", views.PartListView.as_view(), name="part-list"),
    path("catalog/new/", views.PartFormView.as_view(), name="part-create"),
    path("catalog/<int:pk>/", views.PartDetailView.as_view(), name="part-detail"),
    path("catalog/<int:pk>/edit/", views.PartFormView.as_view(), name="part-edit"),
    path("catalog/<int:pk>/settings/", views.PartSettingView.as_view(), name="part-settings"),
    path("catalog/<int:pk>/card/", views.stock_card, name="stock-card"),
    path("search/", views.part_search, name="part-search"),
    path("moves/<int:pk>/reverse/", views.move_reverse, name="move-reverse"),
    path("stock/", views.BalanceListView.as_view(), name="balance-list"),
    path("moves/", views.MoveListView.as_view(), name="move-list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("group/", views.group_view, name="group-view"),
    path("import/", views.price_import, name="price-import"),
    path("bins/", views.bin_list, name="bin-list"),
    path("suppliers/", views.SupplierListView.as_view(), name="supplier-list"),
    path("suppliers/new/", views.supplier_create, name="supplier-create"),
    path("suppliers/<int:pk>/", views.SupplierDetailView.as_view(), name="supplier-detail"),
    # sales
    path("sales/", views.SaleListView.as_view(), name="sale-list"),
    path("sales/counter/", views.sale_create, {"channel": "counter"}, name="sale-create"),
    path("sales/wholesale/", views.sale_create, {"channel": "wholesale"}, name="wholesale-create"),
    path("sales/<int:pk>/", views.SaleDetailView.as_view(), name="sale-detail"),
    path("sales/<int:pk>/post/", views.sale_post, name="sale-post"),
    path("sales/<int:pk>/deliver/", views.sale_deliver, name="sale-deliver"),
    path("sales/<int:pk>/print/", views.sale_print, name="sale-print"),
    path("sales/<int:pk>/picklist/", views.sale_picklist, name="sale-picklist"),
    path("receivables/", views.ReceivableListView.as_view(), name="receivable-list"),
    path("transfers/", views.TransferListView.as_view(), name="transfer-list"),
    path("transfers/new/", views.transfer_create, name="transfer-create"),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer-detail"),
    path("transfers/<int:pk>/<str:step>/", views.transfer_act, name="transfer-act"),
    path("returns/", views.ReturnListView.as_view(), name="return-list"),
    path("returns/new/", views.return_create, name="return-create"),
    path("returns/<int:pk>/", views.ReturnDetailView.as_view(), name="return-detail"),
    path("returns/<int:pk>/resolve/", views.return_resolve, name="return-resolve"),
    # purchasing
    path("demands/", views.DemandListView.as_view(), name="demand-list"),
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/propose/", views.plan_propose, name="plan-propose"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:pk>/<str:step>/", views.plan_act, name="plan-act"),
    path("orders/", views.POListView.as_view(), name="po-list"),
    path("orders/new/", views.po_create, name="po-create"),
    path("orders/<int:pk>/", views.PODetailView.as_view(), name="po-detail"),
    path("orders/<int:pk>/print/", views.po_print, name="po-print"),
    path("orders/<int:pk>/close/", views.po_close, name="po-close"),
    path("orders/<int:pk>/receive/", views.receipt_create, name="receipt-create"),
    path("receipts/", views.ReceiptListView.as_view(), name="receipt-list"),
    path("receipts/<int:pk>/", views.ReceiptDetailView.as_view(), name="receipt-detail"),
    path("discrepancies/", views.DiscrepancyListView.as_view(), name="discrepancy-list"),
    path("discrepancies/<int:pk>/", views.DiscrepancyDetailView.as_view(), name="discrepancy-detail"),
    path("discrepancies/<int:pk>/<str:step>/", views.discrepancy_act, name="discrepancy-act"),
    path("payables/", views.PayableListView.as_view(), name="payable-list"),
    # stocktake and write-off
    path("stocktakes/", views.StocktakeListView.as_view(), name="stocktake-list"),
    path("stocktakes/new/", views.stocktake_create, name="stocktake-create"),
    path("stocktakes/<int:pk>/", views.StocktakeDetailView.as_view(), name="stocktake-detail"),
    path("stocktakes/<int:pk>/sheet/", views.stocktake_sheet, name="stocktake-sheet"),
    path("stocktakes/<int:pk>/entry/", views.count_entry, name="stocktake-entry"),
    path("stocktakes/<int:pk>/<str:step>/", views.stocktake_act, name="stocktake-act"),
    path("writeoffs/", views.WriteOffListView.as_view(), name="writeoff-list"),
    path("writeoffs/new/", views.writeoff_create, name="writeoff-create"),
    path("writeoffs/<int:pk>/", views.WriteOffDetailView.as_view(), name="writeoff-detail"),
    path("writeoffs/<int:pk>/<str:step>/", views.writeoff_act, name="writeoff-act"),
]

# Everything lives in the "parts" namespace (the app_name of the inner include below); the picker endpoint also has the plain name "parts-search"
# (GET /parts/search/?q=) that other apps' templates use.
urlpatterns = [
    path("search/", views.part_search, name="parts-search"),
    path("", include((patterns, "parts"))),
]
