"""Incoming Magicline webhooks (§5): authenticate, store once, hand over to a task.

The ``x-api-key`` header is the studio's webhook key: it names the studio (looked up by its
SHA-256 digest, then compared in constant time). A delivery is stored under its unique ``uuid``
with the shared store's one ``INSERT … ON CONFLICT DO NOTHING`` (a repeat is acknowledged and
dropped) and processed by ``tasks.process_delivery`` after the commit, so the request answers
within milliseconds and never calls Magicline (§5.4). A refusal is an error of the bookings'
taxonomy (``KeyRefused`` 401, ``ContractError`` 400 naming the field, ``DeliveryConflict`` 409),
answered by the view as the contract's ErrorResponse; refused bodies are counted per studio and
reason for the sync health page. The database unreachable is ``StoreUnavailable`` (503 with
``Retry-After``: nothing stored, Magicline sends it again); Redis unreachable after the delivery
is stored is no error (the beat queues it).
"""

import hmac
from dataclasses import dataclass

from bookings.errors import BackendUnavailable, ContractError, DeliveryConflict, KeyRefused
from bookings.magicline.deliveries import STORE
from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineIntakeRefusal,
    MagiclineWebhookDelivery,
    key_digest,
)
from bookings.magicline.tasks import process_delivery
from bookings.mapping import parse_webhook_envelope
from calendar_app.sync.intake import (
    DATABASE_DOWN,
    DATABASE_ERRORS,
    RETRY_AFTER_SECONDS,
    queue_after_commit,
)
from calendar_app.sync.refusals import count_refusal

REFUSED = MagiclineIntakeRefusal.Reason


class StoreUnavailable(BackendUnavailable):
    """The database is unreachable: the delivery was not stored, Magicline should send it again
    (503 with ``Retry-After``, as the bookings' other outages)."""

    default_message = DATABASE_DOWN


@dataclass(frozen=True)
class Intake:
    delivery: MagiclineWebhookDelivery
    duplicate: bool


def connection_for_key(key: str | None) -> MagiclineConnection:
    """The enabled connection whose webhook key is ``key``; 401 for a missing or unknown key."""
    if not key:
        raise KeyRefused("The x-api-key header is missing.")
    connection = (
        MagiclineConnection.objects.filter(webhook_key_digest=key_digest(key), enabled=True)
        .select_related("business")
        .first()
    )
    if connection is None or not hmac.compare_digest(connection.webhook_key.encode(), key.encode()):
        raise KeyRefused("The x-api-key header does not name a connected studio.")
    return connection


def receive_delivery(*, key: str | None, body: object) -> Intake:
    """Authenticate and store one delivery; its processing is queued after the commit.

    The database unreachable is ``StoreUnavailable`` (``calendar_app.sync.intake``): nothing
    was stored. Redis unreachable is not Magicline's concern: the delivery is stored and the
    beat queues it.
    """
    try:
        return _receive(key=key, body=body)
    except DATABASE_ERRORS as error:
        raise StoreUnavailable(retry_after=RETRY_AFTER_SECONDS) from error


def _receive(*, key: str | None, body: object) -> Intake:
    try:
        connection = connection_for_key(key)
    except KeyRefused:
        count_refusal(MagiclineIntakeRefusal, connection_id=None, reason=REFUSED.UNKNOWN_KEY)
        raise
    try:
        envelope = parse_webhook_envelope(body)
    except ContractError:
        count_refusal(MagiclineIntakeRefusal, connection_id=connection.pk, reason=REFUSED.MALFORMED)
        raise
    delivery = MagiclineWebhookDelivery(
        connection=connection,
        uuid=envelope.uuid,
        entity_id=envelope.entity_id,
        payload=[event.to_json() for event in envelope.payload],
    )
    delivery.pk = STORE.insert_once(delivery)
    if delivery.pk is None:
        existing = MagiclineWebhookDelivery.objects.get(uuid=envelope.uuid)
        if existing.connection_id != connection.pk:
            count_refusal(
                MagiclineIntakeRefusal, connection_id=connection.pk, reason=REFUSED.OTHER_STUDIO
            )
            raise DeliveryConflict("This uuid was already delivered for another studio.")
        return Intake(delivery=existing, duplicate=True)
    queue_after_commit(lambda: process_delivery.delay(delivery.pk))
    return Intake(delivery=delivery, duplicate=False)
