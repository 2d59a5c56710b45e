"""The JSON API's published contract: an OpenAPI 3.1 document generated from the code.

Every schema comes from the pydantic shapes of ``bookings.contract`` that parse the requests and
build the answers (``models_json_schema``, refs under ``#/components/schemas/``), and every query
or path parameter from a pydantic type with the limits the views enforce; this module only says
which path takes which shape, and which refusals (each an ``ErrorResponse``, §1.8) an operation
can answer, by the ``http_status`` of ``bookings.errors``. Links chain the operations as a client
would (list → one → slots → validate/book → read → cancel), so a stateful fuzzer can follow them.
"""

import functools
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from bookings import contract
from bookings.api.views import DEFAULT_SLICE_SIZE, MAX_SLICE_SIZE
from bookings.slots import MAX_DAYS_AHEAD

REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "ApiKeyAuth"
API_VERSION = "1.11.0"

# Definition names pydantic takes from a class that is named for its model, not the contract.
_RENAMED = {"Status": "CustomerStatus"}

# What each refusal means, by status (the ErrorResponse's description in the document).
ERROR_MEANINGS = {
    400: "The request is not in the contract's form, or the booking or cancellation is refused "
    "(`errorCode` says why, e.g. a validation status); `reference` names the field.",
    401: "The X-API-KEY header is missing, or the key is unknown or revoked.",
    404: "No such object in the key's facility (another facility's ids read the same).",
    409: "Someone else has just taken the slot: pick another one.",
    503: "The studio's booking system is not answering; nothing was changed. Retry-After says "
    "when to try again (seconds).",
}

# --- parameters: pydantic types with the views' limits ---------------------------------------

Offset = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{0,19}$",
        description='The offset of the previous slice, unchanged (default "0": from the start).',
    ),
]
SliceSize = Annotated[
    int, Field(ge=1, le=MAX_SLICE_SIZE, description=f"Default {DEFAULT_SLICE_SIZE}.")
]
DaysAhead = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_DAYS_AHEAD,
        description=f"The window's length in days (default and most {MAX_DAYS_AHEAD}).",
    ),
]


@dataclass(frozen=True)
class Param:
    name: str
    kind: Any  # a pydantic type
    where: str = "query"
    required: bool = False
    description: str = ""

    def to_json(self) -> dict:
        schema = TypeAdapter(self.kind).json_schema(ref_template=REF)
        description = schema.pop("description", "")
        described = {
            "name": self.name,
            "in": self.where,
            "required": self.required or self.where == "path",
            "schema": schema,
        }
        if self.description or description:
            described["description"] = self.description or description
        return described


APPOINTMENT_ID = Param("bookableAppointmentId", contract.Id, "path")
BOOKING_ID = Param("bookingId", contract.Id, "path")
CUSTOMER_ID_PATH = Param("customerId", contract.Id, "path")
PAGING = (Param("offset", Offset), Param("sliceSize", SliceSize))


@dataclass(frozen=True)
class Operation:
    """One path and method: its shapes, parameters, refusals and links to the next step."""

    route: str  # the url name in ``bookings.api.urls``
    path: str
    method: str
    operation_id: str
    summary: str
    tag: str
    answer: Any  # a contract shape, or ``list[shape]``
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400, 401)
    links: dict[str, dict] = field(default_factory=dict)


def _link(operation_id: str, description: str, **values: Any) -> dict:
    """An OpenAPI link: parameters by name, or the whole body under ``requestBody``."""
    body = values.pop("requestBody", None)
    link = {"operationId": operation_id, "description": description}
    if values:
        link["parameters"] = values
    if body is not None:
        link["requestBody"] = body
    return link


FIRST_LISTED = "$response.body#/result/0/id"
FROM_SLOT = {
    "customerId": "$request.query.customerId",
    "bookableAppointmentId": "$request.path.bookableAppointmentId",
    "startDateTime": "$response.body#/0/startDateTime",
    "endDateTime": "$response.body#/0/endDateTime",
}
BOOKED = "$response.body#/bookingId"

OPERATIONS = (
    Operation(
        "bookable_list",
        "/appointments/bookable",
        "get",
        "getBookableAppointments",
        "The appointment types bookable online, sliced (§2.1).",
        "appointments",
        contract.BookableAppointmentSlice,
        PAGING,
        links={
            "GetBookableAppointment": _link(
                "getBookableAppointment",
                "The first one listed.",
                bookableAppointmentId=FIRST_LISTED,
            ),
            "GetSlots": _link(
                "getBookableAppointmentSlots", "Its free slots.", bookableAppointmentId=FIRST_LISTED
            ),
        },
    ),
    Operation(
        "bookable_one",
        "/appointments/bookable/{bookableAppointmentId}",
        "get",
        "getBookableAppointment",
        "One bookable appointment type (§2.2).",
        "appointments",
        contract.BookableAppointment,
        (APPOINTMENT_ID,),
        errors=(400, 401, 404),
        links={
            "GetSlots": _link(
                "getBookableAppointmentSlots",
                "Its free slots.",
                bookableAppointmentId="$response.body#/id",
            )
        },
    ),
    Operation(
        "bookable_slots",
        "/appointments/bookable/{bookableAppointmentId}/slots",
        "get",
        "getBookableAppointmentSlots",
        "The free slots of a window of up to six days, as a plain array (§2.3, §3).",
        "appointments",
        list[contract.Slot],
        (
            APPOINTMENT_ID,
            Param("customerId", contract.Id, description="Free slots for this customer."),
            Param("daysAhead", DaysAhead),
            Param(
                "slotWindowStartDate",
                contract.DateText,
                description="The window's first day in the studio's calendar (default today).",
            ),
        ),
        errors=(400, 401, 404, 503),
        links={
            "ValidateFirstSlot": _link(
                "validateForAppointmentBooking",
                "Can the customer book the first slot?",
                requestBody=FROM_SLOT,
            ),
            "BookFirstSlot": _link(
                "bookAppointmentBooking",
                "Book the first slot for the customer.",
                requestBody=FROM_SLOT,
            ),
        },
    ),
    Operation(
        "validate",
        "/appointments/bookable/validate",
        "post",
        "validateForAppointmentBooking",
        "Whether the customer can book the slot now: a validation status, always with 200 (§2.4).",
        "appointments",
        contract.ValidationResult,
        body=contract.SlotRequest,
        errors=(400, 401, 404, 503),
    ),
    Operation(
        "book",
        "/appointments/booking/book",
        "post",
        "bookAppointmentBooking",
        "Book the slot (§2.5); a refusal is a 400 with the validation status as errorCode.",
        "appointments",
        contract.AppointmentBooking,
        body=contract.SlotRequest,
        errors=(400, 401, 404, 409, 503),
        links={
            "GetBooking": _link("getAppointmentBooking", "The booking.", bookingId=BOOKED),
            "CancelBooking": _link("deleteAppointmentBooking", "Cancel it.", bookingId=BOOKED),
            "CustomerBookings": _link(
                "getAppointmentBookings",
                "The customer's bookings.",
                customerId="$request.body#/customerId",
            ),
        },
    ),
    Operation(
        "customer_bookings",
        "/appointments/booking",
        "get",
        "getAppointmentBookings",
        "The customer's bookings within two weeks of now, as a plain array (§2.7).",
        "appointments",
        list[contract.AppointmentBooking],
        (Param("customerId", contract.Id, required=True),),
        errors=(400, 401, 404),
    ),
    Operation(
        "booking_one",
        "/appointments/booking/{bookingId}",
        "get",
        "getAppointmentBooking",
        "One booking, re-read from the booking system, with its customerId (§2.6).",
        "appointments",
        contract.AppointmentBooking,
        (BOOKING_ID,),
        errors=(400, 401, 404, 503),
        links={"CancelBooking": _link("deleteAppointmentBooking", "Cancel it.", bookingId=BOOKED)},
    ),
    Operation(
        "booking_one",
        "/appointments/booking/{bookingId}",
        "delete",
        "deleteAppointmentBooking",
        "Cancel the booking before the cancellation deadline (§2.8).",
        "appointments",
        contract.DeleteResult,
        (BOOKING_ID,),
        errors=(400, 401, 404, 503),
        links={
            "GetBooking": _link(
                "getAppointmentBooking",
                "The cancelled booking.",
                bookingId="$request.path.bookingId",
            )
        },
    ),
    Operation(
        "customer_list",
        "/customers",
        "get",
        "getCustomers",
        "The facility's customers, sliced, optionally of one status (§2.10).",
        "customers",
        contract.CustomerSlice,
        (*PAGING, Param("customerStatus", contract.CustomerStatus)),
        links={
            "GetCustomer": _link("getCustomer", "The first one listed.", customerId=FIRST_LISTED),
            "CustomerBookings": _link(
                "getAppointmentBookings", "Their bookings.", customerId=FIRST_LISTED
            ),
        },
    ),
    Operation(
        "customer_search",
        "/customers/search",
        "post",
        "searchCustomers",
        "Customers matching every given field: names by prefix, email exactly (§2.10).",
        "customers",
        list[contract.Customer],
        body=contract.CustomerSearchRequest,
    ),
    Operation(
        "customer_one",
        "/customers/{customerId}",
        "get",
        "getCustomer",
        "One of the facility's own customers (§2.10).",
        "customers",
        contract.Customer,
        (CUSTOMER_ID_PATH,),
        errors=(400, 401, 404),
    ),
)


# --- the document ----------------------------------------------------------------------------


class _ContractSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema without the titles it makes up from attribute names."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def _shapes(answer: Any) -> tuple[type[BaseModel], bool]:
    """The shape of an answer and whether the answer is an array of it."""
    inner = getattr(answer, "__args__", None)
    return (inner[0], True) if inner else (answer, False)


def _renamed(value: Any) -> Any:
    """``value`` with the definitions of ``_RENAMED`` (and the refs to them) renamed."""
    if isinstance(value, dict):
        return {_RENAMED.get(key, key): _renamed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item) for item in value]
    if isinstance(value, str) and value.startswith("#/components/schemas/"):
        name = value.rsplit("/", 1)[1]
        return REF.format(model=_RENAMED.get(name, name))
    return value


def _json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _responses(op: Operation, refs: dict) -> dict:
    shape, is_array = _shapes(op.answer)
    answer = refs[(shape, "serialization")]
    responses = {
        "200": {
            "description": "OK",
            "content": _json_content({"type": "array", "items": answer} if is_array else answer),
        }
    }
    if op.links:
        responses["200"]["links"] = op.links
    error = refs[(contract.ErrorResponse, "serialization")]
    for status in op.errors:
        responses[str(status)] = {
            "description": ERROR_MEANINGS[status],
            "content": _json_content(error),
        }
        if status == 503:
            responses["503"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer", "minimum": 0}}
            }
    return responses


def _operation(op: Operation, refs: dict) -> dict:
    described = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [param.to_json() for param in op.params],
        "responses": _responses(op, refs),
    }
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": _json_content(refs[(op.body, "validation")]),
        }
    return described


@functools.cache
def openapi_document() -> dict:
    """The OpenAPI 3.1 document of ``/api/v1/`` (built once per process)."""
    models = {(contract.ErrorResponse, "serialization")}
    for op in OPERATIONS:
        models.add((_shapes(op.answer)[0], "serialization"))
        if op.body is not None:
            models.add((op.body, "validation"))
    refs, definitions = models_json_schema(
        sorted(models, key=lambda pair: pair[0].__name__),
        by_alias=True,
        ref_template=REF,
        schema_generator=_ContractSchema,
    )
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    return _renamed(
        {
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {
                "title": "Owner dashboard: appointments API (Magicline Open API contract)",
                "version": API_VERSION,
                "description": (
                    "The appointments and customers of the facility whose API key is sent in "
                    "X-API-KEY, in the shapes of the Magicline Open API. Date-times carry their "
                    "offset and zone id, e.g. 2026-12-07T10:00:00.000+01:00[Europe/Berlin]; "
                    "every error is an ErrorResponse. HEAD on any path only checks the key."
                ),
            },
            "servers": [{"url": "/api/v1"}],
            "security": [{SECURITY_SCHEME: []}],
            "tags": [
                {"name": "appointments", "description": "Bookable appointments and bookings."},
                {"name": "customers", "description": "The facility's customers."},
            ],
            "paths": paths,
            "components": {
                "schemas": definitions["$defs"],
                "securitySchemes": {
                    SECURITY_SCHEME: {
                        "type": "apiKey",
                        "in": "header",
                        "name": "X-API-KEY",
                        "description": "The facility's API key (Settings → API).",
                    }
                },
            },
        }
    )
