"""``/api/v1/``: the published contract (``openapi.json``, ``docs``), the appointments contract's
paths (§2), then a JSON 404 for any other path."""

from django.urls import path, re_path

from bookings.api import docs, views

app_name = "api"

urlpatterns = [
    path("openapi.json", docs.openapi_json, name="openapi"),
    path("docs", docs.docs, name="docs"),
    path("appointments/bookable", views.bookable_list, name="bookable_list"),
    path("appointments/bookable/validate", views.validate, name="validate"),
    path("appointments/bookable/<str:appointment_id>", views.bookable_one, name="bookable_one"),
    path(
        "appointments/bookable/<str:appointment_id>/slots",
        views.bookable_slots,
        name="bookable_slots",
    ),
    path("appointments/booking/book", views.book, name="book"),
    path("appointments/booking", views.customer_bookings, name="customer_bookings"),
    path("appointments/booking/<str:booking_id>", views.booking_one, name="booking_one"),
    path("customers", views.customer_list, name="customer_list"),
    path("customers/search", views.customer_search, name="customer_search"),
    path("customers/<str:customer_id>", views.customer_one, name="customer_one"),
    re_path(r"^.*$", views.unknown_path, name="unknown_path"),
]
