"""Incoming Magicline webhooks (§5): authenticate, store once, hand over to a task.

The ``x-api-key`` header is the studio's webhook key: it names the studio (looked up by its
SHA-256 digest, then compared in constant time). A delivery is stored under its unique ``uuid``
with the shared store's one ``INSERT … ON CONFLICT DO NOTHING`` (a repeat is acknowledged and
dropped) and processed by ``tasks.process_delivery`` after the commit, so the request answers
within milliseconds and never calls Magicline (§5.4). Refused bodies are counted per studio
and reason for the sync health page.
"""

import hmac
from dataclasses import dataclass

from bookings.errors import ContractError
from bookings.magicline.deliveries import STORE
from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineIntakeRefusal,
    MagiclineWebhookDelivery,
    key_digest,
)
from bookings.magicline.tasks import process_delivery
from bookings.mapping import parse_webhook_envelope
from calendar_app.sync.refusals import count_refusal

REFUSED = MagiclineIntakeRefusal.Reason


class WebhookRejected(ValueError):
    """A delivery refused; ``status`` is the HTTP status to answer, the message a sentence."""

    def __init__(self, message: str, *, status: int):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Intake:
    delivery: MagiclineWebhookDelivery
    duplicate: bool


def connection_for_key(key: str | None) -> MagiclineConnection:
    """The enabled connection whose webhook key is ``key``; 401 for a missing or unknown key."""
    if not key:
        raise WebhookRejected("The x-api-key header is missing.", status=401)
    connection = (
        MagiclineConnection.objects.filter(webhook_key_digest=key_digest(key), enabled=True)
        .select_related("business")
        .first()
    )
    if connection is None or not hmac.compare_digest(connection.webhook_key.encode(), key.encode()):
        raise WebhookRejected("The x-api-key header does not name a connected studio.", status=401)
    return connection


def _envelope(body: object) -> tuple[str, int, list[dict]]:
    """The envelope's ``uuid``, ``entityId`` and ``payload`` (its contract shape, unknown fields
    dropped), or a 400 whose sentence names the wrong field."""
    try:
        envelope = parse_webhook_envelope(body)
    except ContractError as error:
        raise WebhookRejected(str(error), status=400) from None
    return envelope.uuid, envelope.entity_id, [event.to_json() for event in envelope.payload]


def receive_delivery(*, key: str | None, body: object) -> Intake:
    """Authenticate and store one delivery; its processing is queued after the commit."""
    try:
        connection = connection_for_key(key)
    except WebhookRejected:
        count_refusal(MagiclineIntakeRefusal, connection_id=None, reason=REFUSED.UNKNOWN_KEY)
        raise
    try:
        uuid, entity_id, payload = _envelope(body)
    except WebhookRejected:
        count_refusal(MagiclineIntakeRefusal, connection_id=connection.pk, reason=REFUSED.MALFORMED)
        raise
    delivery = MagiclineWebhookDelivery(
        connection=connection, uuid=uuid, entity_id=entity_id, payload=payload
    )
    delivery.pk = STORE.insert_once(delivery)
    if delivery.pk is None:
        existing = MagiclineWebhookDelivery.objects.get(uuid=uuid)
        if existing.connection_id != connection.pk:
            count_refusal(
                MagiclineIntakeRefusal, connection_id=connection.pk, reason=REFUSED.OTHER_STUDIO
            )
            raise WebhookRejected("This uuid was already delivered for another studio.", status=409)
        return Intake(delivery=existing, duplicate=True)
    process_delivery.delay_on_commit(delivery.pk)
    return Intake(delivery=delivery, duplicate=False)
