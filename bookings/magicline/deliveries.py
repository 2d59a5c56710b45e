"""Applying one stored Magicline webhook delivery, through the shared delivery store.

Webhooks are notifications only (§5.3): a booking event re-reads the booking
(``GET /v1/appointments/booking/{id}``; a 404 or CANCELED both mean cancelled), a customer or
contract event re-reads a known customer, CUSTOMER_ACCESS_DISABLED purges the customer's
personal data, and anything else is ignored. Every element of the delivery is read from
Magicline first, outside any transaction; the answers are then applied in one transaction that
holds the delivery's row lock (``calendar_app.sync.deliveries.DeliveryStore.apply_one``), so a
delivery two workers got is applied once, and an outage leaves nothing half applied.
"""

from dataclasses import dataclass

from bookings import contract
from bookings.magicline import customers, sync
from bookings.magicline.client import MagiclineClient
from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineCustomer,
    MagiclineWebhookDelivery,
)
from calendar_app.sync.deliveries import DeliveryStore

STORE = DeliveryStore(
    model=MagiclineWebhookDelivery,
    received_at="received_date",
    applied_at="processed_date",
    applied=MagiclineWebhookDelivery.Status.PROCESSED,
    kind_columns=("payload",),
    describe=lambda row: ", ".join(
        str(element.get("type")) for element in row["payload"] if isinstance(element, dict)
    ),
)

BOOKING_EVENTS = frozenset(
    {
        "APPOINTMENT_BOOKING_CREATED",
        "APPOINTMENT_BOOKING_UPDATED",
        "APPOINTMENT_BOOKING_CANCELLED",
    }
)
PURGE_EVENTS = frozenset({"CUSTOMER_ACCESS_DISABLED", "CUSTOMER_DELETED"})
CUSTOMER_EVENT_PREFIXES = ("CUSTOMER_", "CONTRACT_")


@dataclass(frozen=True)
class Change:
    """One thing to apply: ``kind`` names the apply function, ``outcome`` what the task reports
    for it ("" for a step that is part of another, such as a booking's new customer)."""

    kind: str
    magicline_id: int
    data: contract.BookingAnswer | contract.CustomerAnswer | None = None
    outcome: str = ""


def apply_delivery(*, delivery_pk: int) -> str:
    """Apply one stored delivery (idempotent); what was done per element, comma-separated, or
    the delivery's status when it was no longer waiting. Raises the client's errors (the task
    retries 429/5xx and fails the delivery on the others); nothing is applied then."""
    return STORE.apply_one(delivery_pk=delivery_pk, read=_read, write=_write)


def _read(delivery: MagiclineWebhookDelivery) -> list[Change]:
    connection = delivery.connection
    with MagiclineClient.for_connection(connection) as client:
        return [
            change
            for element in delivery.payload
            for change in read_event(
                connection=connection,
                client=client,
                event_type=element.get("type", ""),
                entity_id=delivery.entity_id,
            )
        ]


def _write(delivery: MagiclineWebhookDelivery, changes: list[Change]) -> str:
    return ",".join(apply_changes(connection=delivery.connection, changes=changes))


def read_event(
    *, connection: MagiclineConnection, client: MagiclineClient, event_type: str, entity_id: int
) -> list[Change]:
    """What one payload element changes, read from Magicline (``ignored`` for unknown types)."""
    if event_type in BOOKING_EVENTS:
        return read_booking(connection=connection, client=client, booking_id=entity_id)
    if event_type in PURGE_EVENTS:
        return [Change("purge", entity_id, outcome="purged")]
    if event_type.startswith(CUSTOMER_EVENT_PREFIXES):
        link = MagiclineCustomer.objects.filter(
            connection=connection, magicline_id=entity_id
        ).first()
        if link is None or link.access_disabled:  # others are not imported
            return [Change("ignored", entity_id, outcome="ignored")]
        data = sync.fetch_customer(client=client, magicline_id=entity_id)
        return [Change("customer", entity_id, data, outcome="customer")]
    return [Change("ignored", entity_id, outcome="ignored")]


def read_booking(
    *, connection: MagiclineConnection, client: MagiclineClient, booking_id: int
) -> list[Change]:
    """The booking as Magicline has it now, its customer read first when it is new here."""
    data = client.booking(booking_id=booking_id)
    if data is None:
        return [Change("booking_gone", booking_id, outcome="cancelled")]
    customer_id = data.customer_id
    changes = []
    if customers.linked_customer(connection=connection, magicline_id=customer_id) is None:
        customer = (
            None
            if customers.access_disabled(magicline_id=customer_id)
            else sync.fetch_customer(client=client, magicline_id=customer_id)
        )
        changes.append(Change("customer", customer_id, customer))
    return [*changes, Change("booking", booking_id, data, outcome="booking")]


def apply_changes(*, connection: MagiclineConnection, changes: list[Change]) -> list[str]:
    """Apply what was read, in order, through the one apply function of each kind."""
    for change in changes:
        if change.kind == "booking":
            sync.apply_remote_booking(connection=connection, data=change.data)
        elif change.kind == "booking_gone":
            sync.apply_booking_gone(connection=connection, magicline_id=change.magicline_id)
        elif change.kind == "customer":
            customers.apply_remote_customer(
                connection=connection, data=change.data, magicline_id=change.magicline_id
            )
        elif change.kind == "purge":
            customers.purge_customer(connection=connection, magicline_id=change.magicline_id)
    return [change.outcome for change in changes if change.outcome]
