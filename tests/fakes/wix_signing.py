"""Webhook signing as Wix does it (spec §5): a JWT signed with an RSA private key.

The JWT's ``data`` claim is the envelope as a JSON string; the envelope's ``data`` is the domain
event as a JSON string and its ``identity`` the caller as a JSON string. Tests sign with the
module's test key and give the connection its public half (``PUBLIC_KEY_PEM``); the forged
variants (another key, ``alg: none``, HS256 with the public key as the secret, expired, tampered)
are built here too, so every test forges them the same way.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"


def _new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


PRIVATE_KEY = _new_private_key()
PUBLIC_KEY_PEM = _public_pem(PRIVATE_KEY)
OTHER_PRIVATE_KEY = _new_private_key()
OTHER_PUBLIC_KEY_PEM = _public_pem(OTHER_PRIVATE_KEY)


def envelope(domain_event: dict[str, Any], *, instance_id: str) -> dict[str, Any]:
    """The envelope of §5.2 step 3, with the stringified domain event and identity."""
    event_type = f"{domain_event.get('entityFqdn', '')}_{domain_event.get('slug', '')}"
    return {
        "instanceId": instance_id,
        "eventType": event_type,
        "data": json.dumps(domain_event),
        "identity": json.dumps({"identityType": "APP", "appId": BOOKINGS_APP_ID}),
    }


def claims(domain_event: dict[str, Any], *, instance_id: str, expires_in: int = 300) -> dict:
    now = int(time.time())
    return {
        "data": json.dumps(envelope(domain_event, instance_id=instance_id)),
        "iat": now,
        "exp": now + expires_in,
    }


def sign(
    domain_event: dict[str, Any],
    *,
    instance_id: str,
    private_key: rsa.RSAPrivateKey = PRIVATE_KEY,
    expires_in: int = 300,
) -> str:
    """The raw JWT body Wix POSTs for ``domain_event`` (RS256)."""
    return jwt.encode(
        claims(domain_event, instance_id=instance_id, expires_in=expires_in),
        private_key,
        algorithm="RS256",
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unsigned_parts(algorithm: str, payload: dict) -> str:
    header = _b64(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}"


def sign_unsigned(domain_event: dict[str, Any], *, instance_id: str) -> str:
    """Forged: ``alg: none`` and an empty signature."""
    return _unsigned_parts("none", claims(domain_event, instance_id=instance_id)) + "."


def sign_hs256_with_public_key(domain_event: dict[str, Any], *, instance_id: str) -> str:
    """Forged: HS256 with the connection's public key PEM as the HMAC secret (the classic
    algorithm-confusion attack; PyJWT refuses to make it, so it is made by hand)."""
    signing_input = _unsigned_parts("HS256", claims(domain_event, instance_id=instance_id))
    digest = hmac.new(PUBLIC_KEY_PEM.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(digest)}"


def tamper(token: str, *, instance_id: str, domain_event: dict[str, Any]) -> str:
    """Forged: a validly signed token whose payload was swapped for another one."""
    header, _payload, signature = token.split(".")
    payload = _b64(json.dumps(claims(domain_event, instance_id=instance_id)).encode())
    return f"{header}.{payload}.{signature}"


def domain_event(
    *,
    entity_fqdn: str,
    slug: str,
    entity_id: str,
    body: dict[str, Any],
    event_id: str | None = None,
    event_time: str = "2026-01-05T10:00:00Z",
) -> dict[str, Any]:
    """A domain event (§5.3) with exactly one body (``createdEvent``, ``actionEvent``, ...)."""
    return {
        "id": event_id or str(uuid.uuid4()),
        "entityFqdn": entity_fqdn,
        "slug": slug,
        "entityId": entity_id,
        "eventTime": event_time,
        "triggeredByAnonymizeRequest": False,
        **body,
    }


def projection_updated(event: dict[str, Any], *, previous: dict | None = None, **kw) -> dict:
    """Events View Projection Updated, ``eventAddedOrUpdated`` (§5.4). The envelope's
    ``entityId`` is deliberately not the calendar event id: handlers must read ``body.*.event``."""
    added: dict[str, Any] = {"event": event}
    if previous is not None:
        added["previousEvent"] = previous
    body = {"eventAddedOrUpdated": added, "appId": event.get("appId", BOOKINGS_APP_ID)}
    return domain_event(
        entity_fqdn="wix.calendar.v3.events_view",
        slug="projection_updated",
        entity_id=str(uuid.uuid4()),
        body={"actionEvent": {"body": body}},
        **kw,
    )


def projection_removed(event: dict[str, Any], **kw) -> dict:
    """Events View Projection Updated, ``eventRemoved`` (§5.4)."""
    body = {"eventRemoved": {"event": event}, "appId": event.get("appId", BOOKINGS_APP_ID)}
    return domain_event(
        entity_fqdn="wix.calendar.v3.events_view",
        slug="projection_updated",
        entity_id=str(uuid.uuid4()),
        body={"actionEvent": {"body": body}},
        **kw,
    )


def view_extended(extended_end_date: str, **kw) -> dict:
    """Events View Extended (§5.4)."""
    return domain_event(
        entity_fqdn="wix.calendar.v3.events_view",
        slug="extended",
        entity_id=str(uuid.uuid4()),
        body={"actionEvent": {"body": {"extendedEndDate": extended_end_date}}},
        **kw,
    )


def entity_event(fqdn: str, slug: str, entity: dict[str, Any], **kw) -> dict:
    """Schedule / participation / event created, updated or deleted (§5.4)."""
    if slug == "created":
        body = {"createdEvent": {"entity": entity}}
    elif slug == "deleted":
        body = {"deletedEvent": {"deletedEntity": entity}}
    else:
        body = {"updatedEvent": {"currentEntity": entity}}
    return domain_event(
        entity_fqdn=fqdn, slug=slug, entity_id=entity.get("id", ""), body=body, **kw
    )
