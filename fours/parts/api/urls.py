from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("parts/parts", views.PartViewSet, basename="api-part")
router.register("parts/balances", views.BalanceViewSet, basename="api-balance")
router.register("parts/moves", views.MoveViewSet, basename="api-move")
router.register("parts/purchase-orders", views.PurchaseOrderViewSet, basename="api-purchase-order")
router.register("parts/receipts", views.ReceiptViewSet, basename="api-receipt")
router.register("parts/sales", views.SaleViewSet, basename="api-sale")

urlpatterns = router.urls
