from django.urls import path

from participants.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:person_id>/", views.customer_detail, name="detail"),
    path("<int:person_id>/export.csv", views.customer_export, name="export"),
    path("<int:person_id>/erase/", views.customer_erase, name="erase"),
]
