from django.urls import path

from bookings import resource_views, views

app_name = "bookings"

urlpatterns = [
    path("", views.book, name="book"),
    path("book/", views.book_slot, name="book_slot"),
    path("<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("resources/", resource_views.resources, name="resources"),
    path("resources/<str:resource_id>/", resource_views.resource, name="resource"),
    path("resources/<str:resource_id>/hours/", resource_views.hours_add, name="hours_add"),
    path(
        "resources/<str:resource_id>/hours/<int:hours_id>/remove/",
        resource_views.hours_remove,
        name="hours_remove",
    ),
    path(
        "resources/<str:resource_id>/exceptions/",
        resource_views.override_add,
        name="override_add",
    ),
    path(
        "resources/<str:resource_id>/exceptions/<int:override_id>/remove/",
        resource_views.override_remove,
        name="override_remove",
    ),
]
