"""Webhook intake for Calendar V3 (spec §5): verify the signed JWT body, store it once, queue it.

The request does only this: read the envelope's ``instanceId`` unverified (only to pick the
connection's key), verify the JWT with that key and RS256 pinned, insert one ``WebhookDelivery``
(``ON CONFLICT DO NOTHING`` on the domain event's ``id``) and queue its task on commit. It never
calls the upstream; the task (``calendar_app.wix.tasks``) applies the delivery.
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.db import connection
from jwt.utils import base64url_decode

from calendar_app.sync.intake import (
    DATABASE_DOWN,
    DATABASE_DOWN_STATUS,
    DATABASE_ERRORS,
    queue_after_commit,
)
from calendar_app.sync.refusals import count_refusal
from calendar_app.wix import deliveries, tasks
from calendar_app.wix.health.models import IntakeRejection
from calendar_app.wix.models import WebhookDelivery, WixConnection

ALGORITHMS = ["RS256"]
DELIVERY_ID_MAX_LENGTH = WebhookDelivery._meta.get_field("delivery_id").max_length


class DeliveryRejected(Exception):
    """A webhook body that is refused: ``status`` is the HTTP answer, the message says why."""

    status = 400
    reason = "malformed"


class MalformedDelivery(DeliveryRejected):
    status = 400
    reason = "malformed"


class BadSignature(DeliveryRejected):
    status = 401
    reason = "signature"


@dataclass(frozen=True)
class VerifiedDelivery:
    """A delivery whose signature checked out: the domain event (§5.3) and what it is about."""

    instance_id: str
    domain_event: dict[str, Any]

    @property
    def delivery_id(self) -> str:
        return self.domain_event["id"]

    @property
    def kind(self) -> tuple[str, str]:
        fqdn, slug = self.domain_event.get("entityFqdn"), self.domain_event.get("slug")
        return (_text(fqdn, 200), _text(slug, 100))

    @property
    def entity_id(self) -> str:
        return _text(self.domain_event.get("entityId"), 250)

    @property
    def event_time(self) -> datetime | None:
        raw = self.domain_event.get("eventTime")
        if not isinstance(raw, str):
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # the spec's times are UTC


def _text(value: Any, max_length: int) -> str:
    """A text field of the domain event cut to its column (longer is no kind this app knows)."""
    return value[:max_length] if isinstance(value, str) else ""


def _json_object(raw: Any, what: str) -> dict[str, Any]:
    """A JSON object that Wix sends stringified; an already-parsed dict is accepted (§5.2)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise MalformedDelivery(f"The webhook's {what} is not valid JSON.") from error
    if not isinstance(raw, dict):
        raise MalformedDelivery(f"The webhook's {what} is not a JSON object.")
    return raw


def _envelope(claims: dict[str, Any]) -> dict[str, Any]:
    if "data" not in claims:
        raise MalformedDelivery("The webhook token carries no data claim.")
    return _json_object(claims["data"], "envelope")


def read_instance_id(token: str) -> str:
    """The envelope's ``instanceId``, read WITHOUT verifying: only to choose the key to verify
    with. Nothing else from the unverified token is trusted or used.

    It only decodes the payload segment (PyJWT's base64url decoding, then JSON): the header,
    the signature and every claim are checked by ``verify_delivery`` with the key, and a
    second full PyJWT decode here cost as much as the verification itself.
    """
    if not token:
        raise MalformedDelivery("The webhook body is empty; a signed JWT was expected.")
    segments = token.split(".")
    try:
        if len(segments) != 3:
            raise ValueError("not three segments")
        claims = json.loads(base64url_decode(segments[1]))
    except ValueError as error:  # bad base64 (binascii.Error), UTF-8 or JSON
        raise MalformedDelivery("The webhook body is not a JWT.") from error
    if not isinstance(claims, dict):
        raise MalformedDelivery("The webhook body is not a JWT.")
    instance_id = _envelope(claims).get("instanceId")
    if not isinstance(instance_id, str) or not instance_id:
        raise MalformedDelivery("The webhook envelope names no instanceId.")
    return instance_id


@lru_cache(maxsize=256)
def load_public_key(pem: str) -> RSAPublicKey:
    """The connection's PEM parsed once per process (parsing costs more than verifying)."""
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("The webhook public key is not an RSA key.")
    return key


def verify_delivery(*, token: str, public_key: RSAPublicKey) -> VerifiedDelivery:
    """Verify ``token`` with ``public_key`` (RS256 only, expiry checked) and unwrap it (§5.2).

    Any signature, algorithm or expiry problem is ``BadSignature`` (401); a verified token
    whose contents are not the envelope and domain event of §5.2 and §5.3 is ``MalformedDelivery``.
    """
    claims = _verified_claims(token, public_key)
    envelope = _envelope(claims)
    domain_event = _json_object(envelope.get("data"), "domain event")
    if not isinstance(domain_event.get("id"), str) or not domain_event["id"]:
        raise MalformedDelivery("The webhook's domain event has no id.")
    if len(domain_event["id"]) > DELIVERY_ID_MAX_LENGTH:
        raise MalformedDelivery("The webhook's domain event id is too long to be a webhook id.")
    return VerifiedDelivery(instance_id=envelope["instanceId"], domain_event=domain_event)


def _verified_claims(token: str, public_key: RSAPublicKey) -> dict[str, Any]:
    """The JWT's claims once its RS256 signature checks out with ``public_key`` and it has not
    expired (nor is valid only later): RFC 7515/7519 with the algorithm pinned, as PyJWT's
    ``decode(…, algorithms=["RS256"])`` checks it, at a tenth of its cost per delivery (PyJWT's
    generic path cost ten times the signature check itself, on the intake's busiest path)."""
    segments = token.split(".")
    try:
        if len(segments) != 3:
            raise ValueError("not three segments")
        header = json.loads(base64url_decode(segments[0]))
        claims = json.loads(base64url_decode(segments[1]))
        signature = base64url_decode(segments[2])
    except ValueError as error:  # bad base64 (binascii.Error), UTF-8 or JSON
        raise MalformedDelivery("The webhook body is not a JWT.") from error
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise MalformedDelivery("The webhook body is not a JWT.")
    if header.get("alg") not in ALGORITHMS:  # never "none", never HS256 keyed with the PEM
        raise BadSignature("The webhook token is not signed with RS256.")
    signed = f"{segments[0]}.{segments[1]}".encode("ascii")
    try:
        public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise BadSignature("The webhook signature does not match the public key.") from error
    now = time.time()
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise BadSignature("The webhook token is not valid.")
    if claims.get("exp") is not None and claims["exp"] <= now:
        raise BadSignature("The webhook token has expired.")
    if any(claims.get(name) is not None and claims[name] > now for name in ("nbf", "iat")):
        raise BadSignature("The webhook token is not valid yet.")
    return claims


@dataclass(frozen=True)
class IntakeAnswer:
    """What the webhook URL answers: the HTTP status and a sentence saying what happened."""

    status: int
    message: str


def receive_delivery(*, body: bytes) -> IntakeAnswer:
    """Verify one webhook body, store it once and queue it; refuse and count anything else.

    The database unreachable is 503 (``calendar_app.sync.intake``): nothing was stored, the
    sender sends it again. Redis unreachable is not the sender's concern: the delivery is stored
    and the beat queues it.
    """
    try:
        return _receive(body)
    except DATABASE_ERRORS:
        return IntakeAnswer(DATABASE_DOWN_STATUS, DATABASE_DOWN)


def _receive(body: bytes) -> IntakeAnswer:
    """``receive_delivery`` as long as the database answers.

    Refused bodies (400 malformed, 401 bad signature) store nothing but a counter, per
    connection when the ``instanceId`` names one. An unknown ``instanceId`` is acknowledged
    with 200 (so Wix stops retrying), dropped and counted. A verified delivery is inserted once
    per domain event ``id``; a repeat is acknowledged without a second row or task.

    No transaction of its own (the URL is ``non_atomic_requests``). One query when this process
    knows the connection's key already (``_receive_with_known_key``): the ``INSERT … ON
    CONFLICT DO NOTHING`` that checks the key is still the connection's and commits by itself
    (autocommit). Otherwise, and whenever that cannot tell, two: the connection's key by
    ``instanceId``, then the insert. The task is queued at once after the insert.
    """
    try:
        token = body.decode("ascii").strip()
        instance_id = read_instance_id(token)
    except UnicodeDecodeError:
        return _refuse(MalformedDelivery("The webhook body is not a JWT."), connection_id=None)
    except DeliveryRejected as rejected:
        return _refuse(rejected, connection_id=None)

    known = _KNOWN_KEYS.get(instance_id)
    if known is not None:
        answer = _receive_with_known_key(token, *known)
        if answer is not None:
            return answer
        _KNOWN_KEYS.pop(instance_id, None)  # the long way decides, and tells what changed

    found = _connection_key(instance_id)
    if found is None:
        count_refusal(
            IntakeRejection, connection_id=None, reason=IntakeRejection.Reason.UNKNOWN_INSTANCE
        )
        return IntakeAnswer(200, "No connection has this instanceId; the delivery was dropped.")
    connection_id, public_key_pem = found
    try:
        public_key = load_public_key(public_key_pem)
    except ValueError:
        return _refuse(
            BadSignature("The connection's webhook public key is not a valid RSA PEM key."),
            connection_id=connection_id,
        )
    try:
        verified = verify_delivery(token=token, public_key=public_key)
    except DeliveryRejected as rejected:
        return _refuse(rejected, connection_id=connection_id)
    if len(_KNOWN_KEYS) >= KNOWN_KEYS_LIMIT:
        _KNOWN_KEYS.clear()
    _KNOWN_KEYS[instance_id] = (connection_id, public_key_pem)
    return _store(verified, connection_id=connection_id) or IntakeAnswer(
        200, "This delivery was already received."
    )


# The connections' webhook keys this process verified deliveries with, by instanceId: the next
# delivery is verified without reading the key, and stored only if the connection still has it.
_KNOWN_KEYS: dict[str, tuple[int, str]] = {}
KNOWN_KEYS_LIMIT = 256


def _receive_with_known_key(token: str, connection_id: int, pem: str) -> IntakeAnswer | None:
    """The delivery verified with the key this process knows for its connection and stored by
    one ``INSERT`` that also checks the connection still has that key (a replaced key or a
    deleted connection counts at once). None when this cannot tell: the token does not verify
    with that key, the key changed, or the delivery is a repeat; the caller then reads the key
    and decides (refusing, counting, or acknowledging the repeat) as without it."""
    try:
        verified = verify_delivery(token=token, public_key=load_public_key(pem))
    except (DeliveryRejected, ValueError):
        return None
    return _store(verified, connection_id=connection_id, unless_key_is_not=pem)


def _store(
    verified: VerifiedDelivery, *, connection_id: int, unless_key_is_not: str | None = None
) -> IntakeAnswer | None:
    """Insert the verified delivery once and queue it; None when nothing was inserted (a
    repeat, or the connection no longer has the key ``unless_key_is_not``)."""
    handled = verified.kind in deliveries.HANDLERS
    delivery = WebhookDelivery(
        connection_id=connection_id,
        delivery_id=verified.delivery_id,
        entity_fqdn=verified.kind[0],
        slug=verified.kind[1],
        entity_id=verified.entity_id,
        event_time=verified.event_time,
        payload=verified.domain_event,
        status=WebhookDelivery.Status.RECEIVED if handled else WebhookDelivery.Status.DROPPED,
        error="" if handled else "Not a calendar webhook this app mirrors.",
    )
    if unless_key_is_not is None:
        delivery_pk = deliveries.STORE.insert_once(delivery)
    else:
        delivery_pk = deliveries.STORE.insert_once_where(
            delivery, exists_sql=_key_unchanged_sql(), params=[connection_id, unless_key_is_not]
        )
    if delivery_pk is None:
        return None
    if not handled:
        return IntakeAnswer(200, "Not a calendar webhook this app mirrors; it was dropped.")
    if verified.kind in deliveries.BATCHED:  # applied in batches by the connection's drain
        queue_after_commit(lambda: tasks.queue_drain(connection_id=connection_id))
    else:
        queue_after_commit(lambda: tasks.apply_delivery.delay(delivery_pk))
    return IntakeAnswer(200, "Received.")


def _refuse(rejected: DeliveryRejected, *, connection_id: int | None) -> IntakeAnswer:
    count_refusal(IntakeRejection, connection_id=connection_id, reason=rejected.reason)
    return IntakeAnswer(rejected.status, str(rejected))


@lru_cache(maxsize=1)
def _key_unchanged_sql() -> str:
    """The connection (by pk) still has the webhook key (PEM) the delivery was verified with."""
    meta, quote = WixConnection._meta, connection.ops.quote_name
    return (
        f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
        f"AND {quote(meta.get_field('public_key_pem').column)} = %s"
    )


@lru_cache(maxsize=1)
def _connection_key_sql() -> str:
    meta, quote = WixConnection._meta, connection.ops.quote_name
    columns = (meta.pk.column, meta.get_field("public_key_pem").column)
    return (
        f"SELECT {', '.join(map(quote, columns))} FROM {quote(meta.db_table)} "
        f"WHERE {quote(meta.get_field('instance_id').column)} = %s"
    )


def _connection_key(instance_id: str) -> tuple[int, str] | None:
    """The connection's pk and webhook key (PEM) for ``instance_id``, read on every delivery (a
    deleted connection or a replaced key counts at once); the parsed key is cached by
    ``load_public_key``. Plain SQL built once: on the intake's path the ORM's query building
    cost several times the query itself."""
    with connection.cursor() as cursor:
        cursor.execute(_connection_key_sql(), [instance_id])
        return cursor.fetchone()
