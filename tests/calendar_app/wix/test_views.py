"""The owner's Wix settings page."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from calendar_app.models import Business
from calendar_app.wix.models import WixConnection

pytestmark = pytest.mark.django_db

URL = reverse("wix:settings")


@pytest.fixture
def public_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def form_data(wix_server, public_key_pem, **overrides):
    return {
        "base_url": wix_server.base_url,
        "api_key": wix_server.api_key,
        "site_id": wix_server.site_id,
        "instance_id": "instance-7",
        "public_key_pem": public_key_pem,
        "app_ids": "",
        "history_days": "30",
        **overrides,
    }


def test_an_owner_connects_and_the_key_is_never_shown_back(
    owner_client, business, wix_server, public_key_pem
):
    response = owner_client.post(URL, form_data(wix_server, public_key_pem), follow=True)

    assert response.status_code == 200
    assert "Connected to Wix" in response.text
    assert Business.objects.get(pk=business.pk).backend == "wix"
    connection = WixConnection.objects.get()
    assert connection.backfill_status == "done"
    assert wix_server.api_key not in response.text
    assert connection.masked_api_key in response.text


def test_an_empty_key_keeps_the_stored_one(owner_client, wix_server, public_key_pem):
    owner_client.post(URL, form_data(wix_server, public_key_pem))

    owner_client.post(URL, form_data(wix_server, public_key_pem, api_key="", history_days="10"))

    connection = WixConnection.objects.get()
    assert (connection.api_key, connection.history_days) == (wix_server.api_key, 10)


def test_bad_input_is_a_400_that_stores_nothing(owner_client, business, wix_server):
    response = owner_client.post(
        URL, form_data(wix_server, "not a key", history_days="-1", site_id="")
    )

    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 0" in response.text
    assert not WixConnection.objects.exists()
    assert Business.objects.get(pk=business.pk).backend == "local"


def test_a_key_that_is_not_pem_is_explained(owner_client, wix_server):
    response = owner_client.post(URL, form_data(wix_server, "not a key"))

    assert response.status_code == 400
    assert "This is not a PEM public key" in response.text
    assert not WixConnection.objects.exists()


def test_staff_cannot_open_it(staff_client):
    assert staff_client.get(URL).status_code == 403
