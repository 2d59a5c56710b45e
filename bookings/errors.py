"""The bookings' one error taxonomy: each refusal knows what it means to the person who asked.

Services, selectors and backends raise these; the booking screen and the JSON API each turn them
into a response in one place, by ``http_status`` (the API also sends ``error_code`` and
``reference`` in its ErrorResponse, and ``Retry-After`` from ``retry_after``). An upstream turns
its own failures into these, so no caller inspects another package's exception types.
"""

from bookings.contract import ValidationStatus

DEFAULT_RETRY_AFTER = 30
JUST_TAKEN = "Someone else has just taken this slot; please pick another one."

# One sentence per status, for the booking screen and the API's error messages alike.
VALIDATION_MESSAGES: dict[ValidationStatus, str] = {
    ValidationStatus.AVAILABLE: "This slot is free and can be booked.",
    ValidationStatus.PAST_START_DATE_TIME: "This slot has already started; pick a later one.",
    ValidationStatus.END_DATE_TIME_NOT_AFTER_START_DATE_TIME: (
        "The end of the slot must be after its start."
    ),
    ValidationStatus.PERIOD_DOES_NOT_MATCH: (
        "This time does not match a slot of the service (its length or start time is off)."
    ),
    ValidationStatus.CUSTOMER_IN_OTHER_BOOKING: (
        "The customer already has another booking at this time."
    ),
    ValidationStatus.CUSTOMER_IDLE: "The customer's membership is paused (idle) on this date.",
    ValidationStatus.NO_CONTINGENT: (
        "The customer has no credits left for this service (in this facility)."
    ),
    ValidationStatus.BOOKABLE_APPOINTMENT_RESTRICTIONS_NOT_FULFILLED: (
        "This service is limited to certain rates, modules or member codes the customer lacks."
    ),
    ValidationStatus.BOOKING_LIMIT_REACHED: (
        "The customer already holds as many upcoming bookings of this service as allowed."
    ),
    ValidationStatus.DATE_TIME_BEFORE_EARLIEST_BOOKING_DATE_TIME: (
        "Booking for this slot has not opened yet; it is too far ahead."
    ),
    ValidationStatus.DATE_TIME_AFTER_LATEST_BOOKING_DATE_TIME: (
        "It is too late to book this slot; the booking deadline has passed."
    ),
    ValidationStatus.STUDIO_CLOSED: "Nobody works at this time: the studio is closed then.",
    ValidationStatus.RESOURCE_NOT_AVAILABLE: (
        "The staff, room or equipment this slot needs is no longer free."
    ),
    ValidationStatus.NOT_AVAILABLE: "This service cannot be booked.",
}


class AppointmentError(ValueError):
    """A request the bookings refuse; the message is meant for the person who asked (400)."""

    http_status = 400
    error_code = "BAD_REQUEST"
    reference: str | None = None


class ContractError(AppointmentError):
    """A value that is not in the contract's form; the message says what was expected.

    ``reference`` is the field's name in the contract (the ErrorResponse's ``reference``); None
    when the whole body is wrong.
    """

    def __init__(self, message: str, *, reference: str | None, error_code: str = "BAD_REQUEST"):
        self.reference = reference
        self.error_code = error_code
        super().__init__(message)


class SlotWindowError(ContractError):
    """A slot window that cannot be computed (its ``daysAhead``)."""

    def __init__(self, message: str):
        super().__init__(message, reference="daysAhead")


class AppointmentNotFound(AppointmentError):
    """No such object for this facility (another facility's id reads the same: 404)."""

    http_status = 404
    error_code = "NOT_FOUND"

    def __init__(self, message: str, *, reference: str | None = None):
        self.reference = reference
        super().__init__(message)


class BookingRefused(AppointmentError):
    """Booking refused with a validation status (400); ``lost_race`` when another booking just
    won the slot (409, a conflict: pick another slot)."""

    def __init__(self, status: ValidationStatus, *, lost_race: bool = False):
        self.status = status
        self.lost_race = lost_race
        self.http_status = 409 if lost_race else 400
        self.error_code = str(status)
        super().__init__(JUST_TAKEN if lost_race else VALIDATION_MESSAGES[status])


class KeyRefused(AppointmentError):
    """No key, or one that is unknown or revoked: the API's ``X-API-KEY``, or the ``x-api-key``
    of an upstream's webhook (401)."""

    http_status = 401
    error_code = "UNAUTHORIZED"


class DeliveryConflict(AppointmentError):
    """A webhook delivery whose unique id was already delivered for another facility (409)."""

    http_status = 409
    error_code = "CONFLICT"


class CancellationRefused(AppointmentError):
    """A cancellation after the deadline, or of a booking already cancelled."""

    error_code = "CANCELLATION_REFUSED"


class BackendUnavailable(AppointmentError):
    """The upstream booking system is not answering: nothing was changed; the person may try
    again after ``retry_after`` seconds (503)."""

    http_status = 503
    error_code = "SERVICE_UNAVAILABLE"
    default_message = "The booking system is not answering right now; nothing was changed."

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        self.retry_after = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
        super().__init__(message or self.default_message)
