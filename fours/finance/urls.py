from django.urls import path

from .views import desk

app_name = "finance"

urlpatterns = [
    path("cashier/", desk.cashier_desk, name="cashier"),
]
