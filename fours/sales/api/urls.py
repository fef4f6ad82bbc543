from rest_framework.routers import DefaultRouter

from . import fi, orders, showroom, stock

router = DefaultRouter()
for area in (showroom, stock, orders, fi):
    area.register(router)

urlpatterns = router.urls
