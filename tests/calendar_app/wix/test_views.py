"""The owner's Wix settings page."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from calendar_app.tenancy.models import Business
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
    owner_client, business, wix_server, public_key_pem, django_capture_on_commit_callbacks
):
    """Saving queues the backfill (a Celery task) and leads to the health page, where its
    progress shows: the request itself never calls the upstream."""
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(URL, form_data(wix_server, public_key_pem), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("wix:health"), 302)]
    assert "Connected to Wix. The backfill runs in the background" in response.text
    assert 'aria-label="Backfill progress"' in response.text
    assert 'hx-trigger="every 1500ms"' in response.text  # polls while it runs
    assert Business.objects.get(pk=business.pk).backend == "wix"
    connection = WixConnection.objects.get()
    assert connection.backfill_status == "queued"
    assert len(queued) == 1
    assert wix_server.requests == []
    settings_page = owner_client.get(URL).text
    assert wix_server.api_key not in response.text + settings_page
    assert connection.masked_api_key in settings_page


def test_saving_again_while_the_backfill_runs_queues_no_second_one(
    owner_client, wix_server, public_key_pem, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        owner_client.post(URL, form_data(wix_server, public_key_pem))
        response = owner_client.post(URL, form_data(wix_server, public_key_pem), follow=True)

    assert "A backfill is already running" in response.text
    assert len(queued) == 1


def test_an_empty_key_keeps_the_stored_one(
    owner_client, wix_server, public_key_pem, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
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


def test_a_base_url_at_an_internal_address_is_refused_with_the_reason(
    owner_client, wix_server, public_key_pem
):
    data = form_data(wix_server, public_key_pem, base_url="http://169.254.169.254/latest/")
    response = owner_client.post(URL, data)

    assert response.status_code == 400
    assert "169.254.169.254 is a link-local address (where cloud metadata" in response.text
    assert not WixConnection.objects.exists()


def test_the_fake_on_loopback_is_refused_unless_egress_allow_names_it(
    owner_client, wix_server, public_key_pem, settings
):
    settings.EGRESS_ALLOW = []
    response = owner_client.post(URL, form_data(wix_server, public_key_pem))

    assert response.status_code == 400
    assert "127.0.0.1 is a loopback address" in response.text
    assert not WixConnection.objects.exists()


def test_a_key_that_is_not_pem_is_explained(owner_client, wix_server):
    response = owner_client.post(URL, form_data(wix_server, "not a key"))

    assert response.status_code == 400
    assert "This is not a PEM public key" in response.text
    assert not WixConnection.objects.exists()


def test_staff_cannot_open_it(staff_client):
    assert staff_client.get(URL).status_code == 403
