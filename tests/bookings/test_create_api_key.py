"""``manage.py create_api_key``: the new key is the last line printed and opens the API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bookings.models import ApiKey

pytestmark = pytest.mark.django_db


def test_it_prints_a_working_key_as_its_last_line(business):
    out = StringIO()

    call_command("create_api_key", business="demo", name="Kiosk", stdout=out)

    raw_key = out.getvalue().strip().splitlines()[-1]
    assert ApiKey.objects.get().name == "Kiosk"
    assert Client(headers={"X-API-KEY": raw_key}).head("/api/v1/customers").status_code == 200


def test_an_unknown_business_is_a_clear_error(business):
    with pytest.raises(CommandError, match="There is no business with the slug 'nope'"):
        call_command("create_api_key", business="nope", name="Kiosk")
    assert not ApiKey.objects.exists()
