from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("customers/customers", views.CustomerViewSet, basename="api-customer")
router.register("customers/vehicles", views.VehicleViewSet, basename="api-vehicle")
router.register("customers/ownerships", views.OwnershipViewSet, basename="api-ownership")
router.register("customers/odometer-readings", views.OdometerViewSet, basename="api-odometer")
router.register("customers/brands", views.BrandViewSet, basename="api-brand")
router.register("customers/series", views.SeriesViewSet, basename="api-series")
router.register("customers/models", views.VehicleModelViewSet, basename="api-vehicle-model")
router.register("customers/configurations", views.ConfigurationViewSet, basename="api-configuration")

urlpatterns = router.urls
