"""The API's door: the facility's key on every path, HEAD as a key check, methods, unknown paths."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.bookings.conftest import API_KEY
from tests.factories import BookableAppointmentFactory

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/appointments/bookable",
    "/api/v1/appointments/bookable/1",
    "/api/v1/appointments/bookable/1/slots",
    "/api/v1/appointments/bookable/validate",
    "/api/v1/appointments/booking/book",
    "/api/v1/appointments/booking?customerId=1",
    "/api/v1/appointments/booking/1",
    "/api/v1/customers",
    "/api/v1/customers/1",
    "/api/v1/customers/search",
    "/api/v1/no/such/path",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_path_and_method_without_a_key_is_a_401(client, api_key, path):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path)

        assert response.status_code == 401, method
        assert response.json() == {
            "errorMessage": "Send your facility's API key in the X-API-KEY header.",
            "errorCode": "UNAUTHORIZED",
        }
    assert client.head(path).status_code == 401


@pytest.mark.parametrize("path", PATHS)
def test_a_wrong_key_is_a_401(api_key, path):
    response = Client(headers={"X-API-KEY": "dk_guessed"}).get(path)

    assert response.status_code == 401
    assert response.json()["errorMessage"] == "This API key is not valid or has been revoked."


def test_a_revoked_key_is_a_401(api, api_key):
    api_key.revoked_date = timezone.now()
    api_key.save()

    assert api.get("/api/v1/appointments/bookable").status_code == 401


def test_the_key_header_name_is_case_insensitive(api_key):
    response = Client(headers={"x-api-key": API_KEY}).get("/api/v1/appointments/bookable")

    assert response.status_code == 200


def test_a_logged_in_owner_without_a_key_is_a_401(owner_client, api_key):
    """No session auth: the dashboard's login opens nothing here."""
    assert owner_client.get("/api/v1/customers").status_code == 401


@pytest.mark.parametrize("path", PATHS)
def test_head_with_a_valid_key_is_200_whatever_the_path(api, path):
    """HEAD only checks the key: no id is looked up, even an unknown one."""
    response = api.head(path)

    assert response.status_code == 200
    assert response.content == b""


def test_post_without_a_csrf_token_is_not_refused_for_csrf(api_key):
    csrf_client = Client(enforce_csrf_checks=True, headers={"X-API-KEY": API_KEY})

    response = csrf_client.post(
        "/api/v1/customers/search", data={}, content_type="application/json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/api/v1/appointments/bookable", "GET, HEAD"),
        ("get", "/api/v1/appointments/bookable/validate", "POST, HEAD"),
        ("delete", "/api/v1/appointments/booking/book", "POST, HEAD"),
        ("put", "/api/v1/appointments/booking/1", "DELETE, GET, HEAD"),
        ("get", "/api/v1/customers/search", "POST, HEAD"),
        ("patch", "/api/v1/customers/1", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_a_405_naming_the_right_ones(api, method, path, allowed):
    response = getattr(api, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert "is not allowed here" in response.json()["errorMessage"]


def test_an_unknown_path_is_a_json_404(api):
    response = api.get("/api/v1/appointments/bookables")

    assert response.status_code == 404
    assert response.json()["errorMessage"] == (
        "There is no endpoint /api/v1/appointments/bookables."
    )


def test_each_key_sees_only_its_own_facility(api, other_api, business, other_business):
    ours = BookableAppointmentFactory(business=business, title="Ours")
    theirs = BookableAppointmentFactory(business=other_business, title="Theirs")

    assert [a["id"] for a in api.get("/api/v1/appointments/bookable").json()["result"]] == [ours.pk]
    assert [a["id"] for a in other_api.get("/api/v1/appointments/bookable").json()["result"]] == [
        theirs.pk
    ]
