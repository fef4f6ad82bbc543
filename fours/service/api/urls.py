from rest_framework.routers import DefaultRouter

from . import claims, views, workshop

router = DefaultRouter()
router.register("service/appointments", views.AppointmentViewSet, basename="api-appointment")
router.register("service/repair-orders", views.RepairOrderViewSet, basename="api-repair-order")
router.register("service/labour-lines", views.LabourLineViewSet, basename="api-labour-line")
router.register("service/part-lines", views.PartLineViewSet, basename="api-part-line")

urlpatterns = claims.register(router) + workshop.register(router) + router.urls
