from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bookings.magicline import views as magicline_views
from calendar_app.feeds.views import calendar_feed
from calendar_app.notifications.views import unsubscribe
from calendar_app.tenancy.forms import LoginForm
from calendar_app.views.health import healthz
from calendar_app.views.site import favicon
from calendar_app.wix import views as wix_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("participants/", include("participants.urls")),
    path("reports/", include("participants.reports.urls")),
    path("customers/", include("participants.customers.urls")),
    path("webhooks/wix/", wix_views.webhook, name="wix_webhook"),
    path("", include("calendar_app.wix.urls")),
    path("bookings/", include("bookings.urls")),
    path("api/v1/", include("bookings.api.urls")),
    path("settings/api/", include("bookings.api.page_urls")),
    path("settings/magicline/", include("bookings.magicline.urls")),
    path("settings/conferencing/", include("calendar_app.conferencing.urls")),
    path("webhooks/magicline/", magicline_views.webhook, name="magicline_webhook"),
    path("subscribe/", include("calendar_app.feeds.urls")),
    # The public iCalendar feed: the unguessable token is the only key, no login.
    path("ical/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("notifications/", include("calendar_app.notifications.urls")),
    # The one-click unsubscribe of the notices: the signed token is the only key, no login.
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("", include("calendar_app.urls")),
]
