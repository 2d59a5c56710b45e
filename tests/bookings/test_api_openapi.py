"""``/api/v1/openapi.json``: a valid OpenAPI 3.1 document generated from the contract's shapes,
with the contract's names and enums, the X-API-KEY scheme, every route of ``bookings.api.urls``
and an ErrorResponse for every refusal an operation documents."""

import re

import jsonschema_rs
import pytest
from django.urls import URLPattern, resolve
from schemathesis.specs.openapi.definitions import OPENAPI_31

from bookings import contract
from bookings.api import urls
from bookings.api.openapi import OPERATIONS, openapi_document
from bookings.errors import VALIDATION_MESSAGES
from bookings.mapping import format_date_time
from tests.bookings.conftest import BERLIN, berlin

pytestmark = pytest.mark.django_db

OPENAPI = "/api/v1/openapi.json"
ERROR_REF = "#/components/schemas/ErrorResponse"
NOT_OPERATIONS = {"openapi", "docs", "unknown_path"}


@pytest.fixture(scope="module")
def document():
    return openapi_document()


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_served_to_anyone_as_json(client, document):
    response = client.get(OPENAPI)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == document


def test_the_document_is_valid_openapi_3_1_and_its_schemas_valid_json_schema(document):
    jsonschema_rs.validator_for(OPENAPI_31).validate(document)
    assert document["openapi"] == "3.1.0"
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_the_schemas_carry_the_contract_s_names_and_enums(document):
    schemas = document["components"]["schemas"]

    assert list(schemas["SlotRequest"]["properties"]) == [
        "customerId",
        "bookableAppointmentId",
        "startDateTime",
        "endDateTime",
        "instructorIds",
    ]
    assert set(schemas["SlotRequest"]["required"]) == {
        "customerId",
        "bookableAppointmentId",
        "startDateTime",
        "endDateTime",
    }
    assert set(schemas["AppointmentBooking"]["required"]) == {
        "bookingId",
        "bookingStatus",
        "startDateTime",
        "endDateTime",
        "appointmentStatus",
        "participantStatus",
    }
    assert set(schemas["BookableAppointmentSlice"]["required"]) == {"result", "offset", "hasNext"}
    assert schemas["ErrorResponse"]["required"] == ["errorMessage"]
    assert schemas["ValidationStatus"]["enum"] == [status.value for status in VALIDATION_MESSAGES]
    assert schemas["BookingStatus"]["enum"] == [
        "BOOKED",
        "BOOKED_WITH_CONFIRMATION_REQUIRED",
        "CANCELED",
    ]
    assert schemas["AppointmentStatus"]["enum"] == ["PLANNED", "CANCELED", "COMPLETED"]
    assert schemas["ParticipantStatus"]["enum"] == ["PARTICIPATING", "NOT_PARTICIPATING", "UNSET"]
    assert schemas["CustomerStatus"]["enum"] == ["MEMBER", "PROSPECT", "FORMER_MEMBER"]
    assert schemas["TypedArgType"]["enum"] == [member.value for member in contract.TypedArgType]
    assert schemas["Customer"]["properties"]["status"] == {
        "$ref": "#/components/schemas/CustomerStatus"
    }


def test_operations_carry_the_contract_s_ids(document):
    ids = {op["operationId"] for _, _, op in _operations(document)}

    assert {
        "getBookableAppointments",
        "getBookableAppointment",
        "getBookableAppointmentSlots",
        "validateForAppointmentBooking",
        "bookAppointmentBooking",
        "getAppointmentBooking",
        "getAppointmentBookings",
        "deleteAppointmentBooking",
        "searchCustomers",
    } <= ids


def test_zoned_date_times_are_a_documented_pattern_the_parser_agrees_with(document):
    start = document["components"]["schemas"]["SlotRequest"]["properties"]["startDateTime"]
    valid = jsonschema_rs.validator_for(start)

    written = format_date_time(berlin(10), BERLIN)
    for text in (written, "2026-12-07T10:00:00+01:00[Europe/Berlin]", "2026-12-07T10:00Z"):
        assert valid.is_valid(text), text
        contract.zoned_date_time(text)
    for text in ("2026-12-07T10:00:00", "2026-12-07 10:00+01:00", "٢٠٢٦-12-07T10:00+01:00", ""):
        assert not valid.is_valid(text), text
        with pytest.raises(ValueError):
            contract.zoned_date_time(text)
    assert re.search(r"\[", start["pattern"]) and start["type"] == "string"


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59-23:59[Europe/Berlin]",  # overflowed Python's calendar: a 500
        "0001-01-01T00:00+23:59[UTC]",
        "2026-12-07T10:00+01:00[America]",  # a folder of zones: IsADirectoryError, a 500
    ],
)
def test_date_times_at_the_edges_are_a_sentence_not_a_crash(text):
    with pytest.raises(ValueError):
        contract.zoned_date_time(text)


def test_the_key_is_an_api_key_header_required_everywhere(document):
    assert document["components"]["securitySchemes"] == {
        "ApiKeyAuth": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-KEY",
            "description": "The facility's API key (Settings → API).",
        }
    }
    assert document["security"] == [{"ApiKeyAuth": []}]


def test_every_refusal_documented_is_an_error_response_and_401_everywhere(document):
    for path, method, operation in _operations(document):
        statuses = set(operation["responses"])
        assert {"200", "400", "401"} <= statuses, (path, method)
        for status in statuses - {"200"}:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": ERROR_REF}, (path, method, status)
        if "{" in path:
            assert "404" in statuses, (path, method)
    book = document["paths"]["/appointments/booking/book"]["post"]
    assert "409" in book["responses"]  # someone was faster


def test_every_route_of_the_api_is_documented_and_resolves_to_its_view(document):
    routes = {
        pattern.name
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.name not in NOT_OPERATIONS
    }
    documented = {op.route for op in OPERATIONS}

    assert routes == documented
    for op in OPERATIONS:
        concrete = re.sub(r"\{[^}]+\}", "7", op.path)
        assert resolve(f"/api/v1{concrete}").url_name == op.route, op.path
        assert op.method in document["paths"][op.path]


def test_links_chain_book_to_read_and_cancel(document):
    ids = {op["operationId"] for _, _, op in _operations(document)}
    book = document["paths"]["/appointments/booking/book"]["post"]["responses"]["200"]["links"]

    assert book["GetBooking"] == {
        "operationId": "getAppointmentBooking",
        "description": "The booking.",
        "parameters": {"bookingId": "$response.body#/bookingId"},
    }
    assert book["CancelBooking"]["operationId"] == "deleteAppointmentBooking"
    for _, _, operation in _operations(document):
        for link in operation["responses"]["200"].get("links", {}).values():
            assert link["operationId"] in ids
