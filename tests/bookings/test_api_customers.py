"""The customer endpoints (§2.10): the sliced list, one by id, and the search (all optional)."""

import json
from datetime import date

import pytest

from tests.factories import CustomerFactory, IdlePeriodFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers"
SEARCH = "/api/v1/customers/search"


def _search(client, body):
    return client.post(SEARCH, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def mia(business):
    customer = CustomerFactory(
        business=business,
        first_name="Mia",
        last_name="Meyer",
        email="mia@example.com",
        phone="+49 170 1234567",
    )
    IdlePeriodFactory(
        customer=customer, start_date=date(2030, 7, 1), end_date=date(2030, 7, 14), reason="Travel"
    )
    return customer


def test_one_customer_in_the_contract_s_fields(api, mia, business):
    response = api.get(f"{CUSTOMERS}/{mia.pk}")

    assert response.status_code == 200
    data = response.json()
    period = mia.idle_periods.get()
    assert data == {
        "id": mia.pk,
        "firstName": "Mia",
        "lastName": "Meyer",
        "email": "mia@example.com",
        "phonePrivateMobile": "+49 170 1234567",
        "status": "MEMBER",
        "studioId": business.pk,
        "createdDateTime": data["createdDateTime"],
        "idlePeriods": [
            {
                "id": period.pk,
                "startDate": "2030-07-01",
                "endDate": "2030-07-14",
                "reason": "Travel",
                "unlimited": False,
            }
        ],
        "accessRefusal": False,
    }
    assert data["createdDateTime"].endswith("[Europe/Berlin]")


@pytest.mark.parametrize("customer_id", ["999999", "abc", "0", "1.5"])
def test_an_unknown_customer_is_a_404(api, customer_id):
    assert api.get(f"{CUSTOMERS}/{customer_id}").status_code == 404


def test_another_facility_s_customer_is_a_404_without_their_data(other_api, mia):
    response = other_api.get(f"{CUSTOMERS}/{mia.pk}")

    assert response.status_code == 404
    assert "Meyer" not in response.content.decode()


def test_the_list_is_sliced_and_filtered_by_status(api, business, other_business):
    members = [CustomerFactory(business=business) for _ in range(3)]
    CustomerFactory(business=business, status="PROSPECT")
    CustomerFactory(business=other_business)

    page = api.get(CUSTOMERS, {"sliceSize": 2, "customerStatus": "MEMBER"}).json()
    rest = api.get(
        CUSTOMERS, {"sliceSize": 2, "customerStatus": "MEMBER", "offset": page["offset"]}
    ).json()

    assert [c["id"] for c in page["result"]] == [members[0].pk, members[1].pk]
    assert page["hasNext"] is True
    assert [c["id"] for c in rest["result"]] == [members[2].pk]
    assert rest["hasNext"] is False
    assert len(api.get(CUSTOMERS).json()["result"]) == 4


@pytest.mark.parametrize(
    ("params", "reference"),
    [
        ({"customerStatus": "VIP"}, "customerStatus"),
        ({"customerStatus": ""}, "customerStatus"),
        ({"sliceSize": 500}, "sliceSize"),
        ({"sliceSize": ""}, "sliceSize"),
    ],
)
def test_a_bad_list_parameter_is_a_400(api, params, reference):
    response = api.get(CUSTOMERS, params)

    assert response.status_code == 400
    assert response.json()["reference"] == reference


def test_search_by_name_prefixes_and_email(api, mia, business, other_business):
    CustomerFactory(business=business, first_name="Milan", last_name="Schulz")
    CustomerFactory(business=other_business, first_name="Mia", last_name="Meyer")

    by_names = _search(api, {"firstName": "mi", "lastName": "mey"})
    by_email = _search(api, {"email": "MIA@example.com"})

    assert by_names.status_code == 200
    assert [c["id"] for c in by_names.json()] == [mia.pk]
    assert [c["id"] for c in by_email.json()] == [mia.pk]


def test_every_search_field_is_optional(api, mia, business):
    other = CustomerFactory(business=business)

    response = _search(api, {})

    assert [c["id"] for c in response.json()] == [mia.pk, other.pk]


def test_a_birth_date_matches_nobody_since_none_are_stored(api, mia):
    response = _search(api, {"firstName": "Mia", "dateOfBirth": "1990-04-01"})

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        ({"firstName": 42}, "firstName"),
        ({"lastName": ["Meyer"]}, "lastName"),
        ({"email": "x" * 201}, "email"),
        ({"dateOfBirth": "01.04.1990"}, "dateOfBirth"),
        ({"dateOfBirth": 19900401}, "dateOfBirth"),
        ({"dateOfBirth": ""}, "dateOfBirth"),  # found by schemathesis: searched without it
        ({"dateOfBirth": "1990-02-30"}, "dateOfBirth"),
        ({"cardNumberFormat": "OCTAL"}, "cardNumberFormat"),
    ],
)
def test_a_wrong_search_field_is_a_400_naming_it(api, body, reference):
    response = _search(api, body)

    assert response.status_code == 400
    assert response.json()["reference"] == reference


def test_a_nul_in_a_search_field_is_a_400(api):
    response = _search(api, {"lastName": "Mey\x00er"})

    assert response.status_code == 400
    assert response.json()["errorMessage"] == "The request body contains a NUL character."
