from django.urls import path

from participants.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_page, name="page"),
    path("export.csv", views.reports_export, name="export"),
]
