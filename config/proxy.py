"""The client's address behind ``TRUSTED_PROXY_COUNT`` reverse proxies (for login throttling)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or the address the outermost trusted proxy saw.

    Each proxy appends the address it was connected from to ``X-Forwarded-For``; the entries a
    client wrote itself come first and are never trusted, so it cannot pick an address to
    dodge the per-address lockout (or to lock someone else out).
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
