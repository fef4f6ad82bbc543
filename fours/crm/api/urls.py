from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("crm/tasks", views.CareTaskViewSet, basename="api-crm-task")
router.register("crm/calls", views.CallViewSet, basename="api-crm-call")
router.register("crm/complaints", views.ComplaintViewSet, basename="api-crm-complaint")
router.register("crm/survey-responses", views.SurveyResponseViewSet, basename="api-crm-survey-response")
router.register("crm/campaigns", views.CampaignViewSet, basename="api-crm-campaign")

urlpatterns = router.urls
