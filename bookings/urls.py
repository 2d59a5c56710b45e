from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.book, name="book"),
    path("book/", views.book_slot, name="book_slot"),
    path("<int:booking_id>/cancel/", views.cancel, name="cancel"),
]
