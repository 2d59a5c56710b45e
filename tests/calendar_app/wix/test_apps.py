"""The Wix app registers itself from its AppConfig.ready(): the core looks its backend up and
optional apps ask the hook for Wix Bookings' app id, and neither imports calendar_app.wix."""

import pytest

from calendar_app import extensions
from calendar_app.backends import calendar_backend
from calendar_app.tenancy.models import Business
from calendar_app.wix.backend import WixCalendarBackend
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID
from tests.factories import WixConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_connected_business_writes_through_the_registered_wix_backend(business):
    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    WixConnectionFactory(business=business)
    business.refresh_from_db()

    assert isinstance(calendar_backend(business), WixCalendarBackend)


def test_optional_apps_learn_the_bookings_app_id_from_the_hook():
    assert extensions.bookings_app_id() == WIX_BOOKINGS_APP_ID
