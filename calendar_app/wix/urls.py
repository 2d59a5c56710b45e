from django.urls import path

from calendar_app.wix import views

app_name = "wix"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/resync/", views.resync, name="resync"),
    path("health/deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
