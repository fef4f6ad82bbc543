from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("finance/parties", views.PartyViewSet, basename="api-finance-party")
router.register("finance/open-items", views.OpenItemViewSet, basename="api-finance-open-item")
router.register("finance/payments", views.PaymentViewSet, basename="api-finance-payment")
router.register("finance/day-closes", views.DayCloseViewSet, basename="api-finance-day-close")
router.register("finance/vouchers", views.VoucherExportViewSet, basename="api-finance-voucher")

urlpatterns = router.urls
